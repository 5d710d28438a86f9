"""Put into the template store named by POLSTER_TEMPLATE_STORE the project template as it was
before 0.2.0 (tagged vOLD, made by the upgrade tests' own `before_0_2_0`) and as installed
(this Polster's tag), then copy a project without sample assets from tag vOLD into PROJECT.

    PYTHONPATH=tests python old_template_project.py TEMPLATE_FOLDER PROJECT OLD
"""

import sys
from pathlib import Path

import copier
from template_versions import before_0_2_0

from polster import template_store, templates


def old_template_project(folder: Path, project: Path, version: str) -> None:
    folder.mkdir(parents=True)
    before_0_2_0(folder)
    template_store.ensure(template_store.TEMPLATES["project_template"], folder, version)
    source = templates.stored_source("project_template")
    data = {"project_name": project.name, "sample_assets": False}
    copier.run_copy(
        source, project, data=data, defaults=True, vcs_ref=f"v{version}", quiet=True, unsafe=True
    )


if __name__ == "__main__":
    old_template_project(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
