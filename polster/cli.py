"""The `polster` command line: parse, prompt and print. The work happens in other modules."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from polster import __version__, params, prompts
from polster.errors import PolsterError, UsageError

if TYPE_CHECKING:
    from polster import upgrade as upgrading
    from polster.graph import AssetGraph, AssetNode
    from polster.project import Project
    from polster.removal import RemovalPlan
    from polster.scaffold import InitRequest


class PolsterGroup(click.Group):
    """Turns Polster's own errors into one line on stderr and the right exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except PolsterError as error:
            click.secho(f"Error: {error}", fg="red", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("\nInterrupted; what this command had created was removed.", err=True)
            ctx.exit(130)


@click.group(cls=PolsterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="polster")
@click.option("--verbose", "-v", is_flag=True, help="Show the detail of each step.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Scaffold and guard Dagster + Polars pipelines on the Medallion architecture
    (bronze = raw, silver = clean, gold = business metrics)."""
    ctx.obj = {"verbose": verbose}


def _report(message: str) -> None:
    click.echo(f"  - {message}")


@cli.command()
@click.argument("name", required=False)
@click.option("--description", help="One-line description of the pipeline.")
@click.option(
    "--sample-assets/--no-sample-assets",
    default=None,
    help="Include the sample bronze -> silver -> gold order pipeline (default: yes).",
)
@click.option(
    "--git/--no-git",
    default=True,
    show_default=True,
    help="git init on branch main with a first commit (polster upgrade needs it).",
)
@click.option(
    "--install-uv/--no-install-uv",
    "install",
    default=None,
    help="Create .venv and install the project into it, with uv (installed by pip if "
    "missing) or else venv + pip (default: yes).",
)
@click.option(
    "--cicd",
    metavar="PLATFORM",
    help="CI/CD pipeline to add: github-actions, gitlab-ci, azure-devops or none "
    "(default: asked on a terminal, else none).",
)
@click.option("--start-dagster", is_flag=True, help="Start `dagster dev` in the new project.")
@params.dry_run
@params.force
@params.yes
@click.pass_context
def init(
    ctx: click.Context,
    name: str | None,
    description: str | None,
    sample_assets: bool | None,
    git: bool,
    install: bool | None,
    cicd: str | None,
    start_dagster: bool,
    dry_run: bool,
    force: bool,
    yes: bool,
) -> None:
    """Create a new Polster project in NAME (a name or a path)."""
    from polster import naming, scaffold
    from polster.cicd import NONE, PLATFORMS, check_platform
    from polster.templates import question_default

    if cicd is not None:
        check_platform(cicd, allow_none=True)
    ask = prompts.is_interactive() and not yes
    if name is None:
        if not ask:
            raise UsageError("Missing project name: run `polster init NAME`.")
        name = prompts.ask_text("Project name", question_default("project_name"))
    target = naming.resolve_target(name, Path.cwd())
    naming.check_project_name(target.name)
    scaffold.check_target(target, force)
    if ask and description is None:
        description = prompts.ask_text("Description", question_default("description"))
    if sample_assets is None:
        default = question_default("sample_assets")
        sample_assets = (
            prompts.ask_confirm("Include the sample pipeline?", default) if ask else default
        )
    if install is None:
        install = prompts.ask_confirm("Create .venv and install the project?") if ask else True
    if start_dagster and not install:
        raise UsageError("--start-dagster needs the project installed: drop --no-install-uv.")
    if cicd is None:
        cicd = prompts.ask_select("CI/CD pipeline", [*PLATFORMS, NONE], NONE) if ask else NONE

    request = scaffold.InitRequest(
        target=target,
        project_name=target.name,
        description=description,
        sample_assets=sample_assets,
        git=git,
        install=install,
        force=force,
        cicd=cicd,
    )
    if dry_run:
        _print_dry_run(request, start_dagster)
        return
    click.echo(f"Creating {request.project_name} in {target}")
    python = scaffold.create_project(request, _report, ctx.obj["verbose"])
    _print_next_steps(target, python)
    if cicd != NONE:
        _print_cicd_notes(target)
    if start_dagster and python is not None:
        _start_dagster(target, python)


def _print_dry_run(request: InitRequest, start_dagster: bool) -> None:
    from polster import scaffold

    click.echo(f"Would create {request.project_name} in {request.target}:")
    for path in scaffold.planned_files(request):
        click.echo(f"  {path}")
    if request.git:
        click.echo("Would run git init on branch main and commit.")
    if request.install:
        click.echo("Would create .venv and install the project into it.")
    if start_dagster:
        click.echo("Would start dagster dev.")
    click.echo("Dry run: nothing was written.")


def _print_next_steps(target: Path, python: Path | None) -> None:
    location = target if target.parent != Path.cwd() else Path(target.name)
    click.echo(f"\nDone. Next:\n  cd {location}")
    if python is None:
        click.echo('  python -m venv .venv && .venv/bin/pip install -e ".[dev]"')
    click.echo("  .venv/bin/python run_polster.py        # materialize bronze -> silver -> gold")
    click.echo("  .venv/bin/python run_polster.py --ui   # then open the Dagster UI")


def _start_dagster(target: Path, python: Path) -> None:
    import subprocess

    click.echo("Starting dagster dev (Ctrl-C to stop)")
    subprocess.run([str(python), "-m", "dagster", "dev"], cwd=target, check=False)


@cli.command("list-assets")
@click.option("--layer", help="Only the assets of this layer.")
@params.output_format()
def list_assets(layer: str | None, output_format: str) -> None:
    """List the project's assets with their dependencies and dependents."""
    from polster.graph import build_graph
    from polster.listing import as_json, as_table, select_assets
    from polster.project import load_project

    project = load_project(Path.cwd())
    nodes = select_assets(build_graph(project), project.layout, layer)
    if output_format == "json":
        click.echo(as_json(nodes))
        return
    from rich.console import Console

    Console().print(as_table(nodes))


@cli.command()
@params.output_format("text")
@click.option(
    "--load", is_flag=True, help="Also import the definitions through Dagster and compare."
)
def validate(output_format: str, load: bool) -> None:
    """Check the project against the medallion rules (exit 1 on findings)."""
    from polster import validate as checks
    from polster.graph import build_graph
    from polster.project import load_project

    project = load_project(Path.cwd())
    graph = build_graph(project)
    findings = checks.validate(project, graph)
    if load:
        from polster.loaded import check_load

        findings += check_load(project, graph)
    render = checks.render_json if output_format == "json" else checks.render_text
    click.echo(render(findings))
    if findings:
        raise SystemExit(1)


@cli.command("add-asset")
@click.option("--layer", help="The asset's layer (bronze, silver, gold, or one your rules add).")
@click.option("--name", help="Lowercase snake_case name; the asset key becomes <layer>_<name>.")
@click.option(
    "--dependencies", help="Upstream assets it reads, comma-separated names or keys (a,b)."
)
@click.option("--description", help="One line on what the asset holds.")
@click.option(
    "--template",
    default="blank",
    show_default=True,
    help="Asset template: built-in or the project's templates/assets/<T>/.",
)
@click.option("--list-templates", is_flag=True, help="List the asset templates and exit.")
@params.dry_run
def add_asset(
    layer: str | None,
    name: str | None,
    dependencies: str | None,
    description: str | None,
    template: str,
    list_templates: bool,
    dry_run: bool,
) -> None:
    """Add an asset to a layer, with its test, from a template."""
    from polster import addition, catalog, cicd
    from polster.graph import build_graph
    from polster.project import load_project
    from polster.rules import check_layer

    project = load_project(Path.cwd())
    templates = catalog.available(project)
    if list_templates:
        click.echo("\n".join(catalog.describe(templates)))
        return
    if description is not None:
        addition.check_description(description)
    ask = prompts.is_interactive()
    if layer is None:
        layers = ", ".join(project.layout.layers)
        _refuse_unless(ask, f"Missing --layer: pass --layer with one of {layers}.")
        layer = prompts.ask_select("Layer", project.layout.layers)
    check_layer(layer, project.layout)
    chosen = catalog.find_template(templates, template, layer)
    if name is None:
        _refuse_unless(ask, "Missing --name: pass --name with a lowercase snake_case name.")
        name = prompts.ask_text("Asset name (lowercase snake_case)").strip()
    graph = build_graph(project)
    addition.check_new_asset(project, graph, layer, name)
    if dependencies is not None:
        keys = addition.resolve(project, graph, layer, dependencies)
    elif ask and project.layout.upstream_layers(layer):
        phrase = addition.upstream_phrase(project, layer)
        choices = addition.dependency_choices(project, graph, layer)
        keys = prompts.ask_checkbox(f"Available {phrase} assets to depend on", choices)
        addition.check_dependencies(project, layer, keys)
    else:
        keys = []
        addition.check_dependencies(project, layer, keys)
    asset = addition.NewAsset(layer, name, tuple(keys), description, chosen)
    files = addition.render(project, asset)
    if dry_run:
        click.echo(f"Would add {asset.key} from the {chosen.name} template:")
        _echo_lines(addition.planned_lines(project, files))
        click.echo("Dry run: nothing was written.")
        return
    written = addition.write(project, files)
    click.echo(f"Added {asset.key} from the {chosen.name} template:")
    _echo_lines(written)
    click.echo(f"Fill in its TODO, then run it:\n  python run_polster.py --asset {asset.key}")
    pipeline_note = cicd.unpassed_variables_note(project.root)
    if pipeline_note:
        click.echo(pipeline_note)


@cli.command("remove-asset")
@click.option("--layer", help="The layer of the asset (without --name: limits the list).")
@click.option("--name", help="The asset's name or key; without it, pick from a list.")
@click.option(
    "--purge-data", is_flag=True, help="Also delete its stored data (data/<layer>/<name>*)."
)
@params.dry_run
@params.force
@params.yes
def remove_asset(
    layer: str | None, name: str | None, purge_data: bool, dry_run: bool, force: bool, yes: bool
) -> None:
    """Remove assets and their tests (--force also when other assets read them)."""
    from polster import removal
    from polster.graph import build_graph
    from polster.project import load_project

    project = load_project(Path.cwd())
    graph = build_graph(project)
    if name is not None:
        assets = [removal.find_asset(graph, project, layer, name)]
    else:
        assets = _pick_assets_to_remove(project, graph, layer, ask=not yes)
    plan = removal.plan_removal(project, graph, assets, purge_data)
    if dry_run:
        _echo_lines(removal.describe(project, plan), indent="")
        return
    if not force:
        removal.check_allowed(plan)
        if not yes:
            _confirm_removal(plan)
    removal.remove(plan)
    click.echo(f"Removed {', '.join(plan.keys)}:")
    _echo_lines(removal.shown_paths(project, plan.files))
    if plan.data:
        click.echo("and their stored data:")
        _echo_lines(removal.shown_paths(project, plan.data))
    _echo_lines(removal.kept_notes(project, plan), indent="")
    dangling = removal.dangling(plan)
    if dangling:
        click.echo("Now dangling (fix these, then run `polster validate`):")
        _echo_lines(dangling)


def _echo_lines(lines: Iterable[str], indent: str = "  ") -> None:
    for line in lines:
        click.echo(f"{indent}{line}")


def _refuse_unless(ask: bool, message: str) -> None:
    if not ask:
        raise UsageError(message)


_ALL_ASSETS = "all of them"


def _pick_assets_to_remove(
    project: Project, graph: AssetGraph, layer: str | None, ask: bool
) -> list[AssetNode]:
    from polster.listing import select_assets
    from polster.removal import Cancelled

    _refuse_unless(
        ask and prompts.is_interactive(),
        "Missing --name: pass --layer and --name of the asset to remove "
        "(or run on a terminal, without --yes, to pick from a list).",
    )
    nodes = select_assets(graph, project.layout, layer)
    if not nodes:
        raise UsageError(f"There are no assets{f' in {layer}' if layer else ''} to remove.")
    keys = list(dict.fromkeys(node.key for node in nodes))
    picked = prompts.ask_checkbox("Assets to remove", [_ALL_ASSETS, *keys])
    if not picked:
        raise Cancelled("Nothing selected: nothing was removed.")
    return nodes if _ALL_ASSETS in picked else [node for node in nodes if node.key in picked]


def _confirm_removal(plan: RemovalPlan) -> None:
    from polster.removal import Cancelled

    _refuse_unless(
        prompts.is_interactive(),
        "Removing asks for a confirmation and there is no terminal: pass --yes to confirm "
        "(other assets reading these still block it), or --force.",
    )
    what = f"{', '.join(plan.keys)} ({len(plan.files) + len(plan.data)} files and folders)"
    word = plan.confirmation
    if word is None:
        confirmed = prompts.ask_confirm(f"Remove {what}?", default=False)
    else:
        confirmed = prompts.ask_text(f"Remove {what}? Type {word} to go ahead") == word
    if not confirmed:
        raise Cancelled("Nothing was removed.")


@cli.command("add-cicd")
@click.argument("platform")
@click.option(
    "--branch", "default_branch", help="Branch whose pushes run the pipeline (default: main)."
)
@click.option(
    "--cron", help='When scheduled runs start, in UTC (default "0 0 * * *": daily at 00:00).'
)
@click.option(
    "--persistence",
    help="What happens to data/ after a run: git (commit it back; the default), artifact "
    "(upload it) or none (the data lives in object storage).",
)
@click.option(
    "--python", "python_version", help="Python version the pipeline runs on (default: 3.11)."
)
@params.force
def add_cicd(
    platform: str,
    default_branch: str | None,
    cron: str | None,
    persistence: str | None,
    python_version: str | None,
    force: bool,
) -> None:
    """Add a CI/CD pipeline to this project.

    PLATFORM is github-actions, gitlab-ci or azure-devops; --force replaces a pipeline that is
    already there (its earlier answers carry over unless given again).
    """
    from polster import cicd
    from polster.project import load_project

    cicd.check_platform(platform)
    cicd.check_persistence(persistence)
    project = load_project(Path.cwd())
    request = cicd.PipelineRequest(platform, default_branch, cron, persistence, python_version)
    plan = cicd.plan_pipeline(project.root, request, force)
    written = cicd.write_pipeline(project.root, plan, force)
    click.echo(f"Added the {platform} pipeline ({plan.answers.get('persistence')} persistence):")
    _echo_lines(written)
    if plan.left_behind:
        click.echo(f"{plan.left_behind} stays: delete it unless both pipelines should run.")
    _echo_lines(cicd.setup_notes(plan.answers), indent="")


def _print_cicd_notes(target: Path) -> None:
    from polster import cicd

    click.echo("\nCI/CD pipeline:")
    _echo_lines(cicd.setup_notes(cicd.read_answers(target) or {}))


@cli.command("add-deploy")
@click.argument("platform")
@click.option(
    "--image",
    help="Container image to build and push, without a tag, e.g. registry.example.com/team/shop "
    "(default: the project's name).",
)
@click.option("--python", "python_version", help="Python version of the image (default: 3.11).")
@click.option(
    "--max-concurrent-runs",
    type=int,
    help="How many runs may execute at once; the rest wait in the queue (default: 4).",
)
@params.force
def add_deploy(
    platform: str,
    image: str | None,
    python_version: str | None,
    max_concurrent_runs: int | None,
    force: bool,
) -> None:
    """Add the deployment kit to this project: a Dockerfile and a production Dagster instance
    (PostgreSQL, a run queue, run monitoring, compute logs on object storage).

    PLATFORM is docker (one server, Docker Compose) or kubernetes (also values for Dagster's
    Helm chart, each asset in its own pod); --force replaces a kit that is already there (its
    earlier answers carry over unless given again).
    """
    from polster import deploy
    from polster.project import load_project

    deploy.check_platform(platform)
    project = load_project(Path.cwd())
    request = deploy.DeployRequest(platform, image, python_version, max_concurrent_runs)
    plan = deploy.plan_deploy(project, request, force)
    written = deploy.write_kit(project.root, plan, force)
    click.echo(f"Added the {platform} deployment kit:")
    _echo_lines(written)
    if plan.left_behind:
        click.echo(f"{plan.left_behind}/ stays: delete it unless you still deploy to Kubernetes.")
    _echo_lines(deploy.next_steps(plan.answers), indent="")


@cli.command()
@click.option(
    "--vcs-ref",
    metavar="REF",
    help="Template version (git tag) to upgrade to (default: the newest; for a project made "
    "by polster init, this Polster's own).",
)
@click.option(
    "--conflict",
    type=click.Choice(["inline", "rej"]),
    default="inline",
    show_default=True,
    help="Leave conflicts as markers in the file (inline) or in .rej files beside it.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Print the template versions, change nothing; exit 2 when an upgrade is available.",
)
@params.dry_run
def upgrade(vcs_ref: str | None, conflict: str, check: bool, dry_run: bool) -> None:
    """Pull template improvements into this project, keeping your edits.

    Updates every template the project was made from (.copier-answers.yml, and
    .copier-answers.*.yml such as the CI/CD pipeline's), then runs the template's migrations.
    Needs a git repository with everything committed; exits 1 when conflicts are left.
    """
    from polster import cicd
    from polster import upgrade as upgrading
    from polster.project import find_root

    root = find_root(Path.cwd())
    steps = upgrading.plan(root, vcs_ref)
    if check:
        _print_versions(steps)
        if any(step.pending for step in steps):
            raise SystemExit(2)
        return
    for step in steps:
        if step.note:
            click.echo(f"{step.answers_file} {step.note}.")
    if not any(step.pending for step in steps):
        current = ", ".join(
            f"{step.answers_file} at {upgrading.shown(step.current)}"
            for step in steps
            if not step.note
        )
        click.echo(f"Already up to date ({current})." if current else "Nothing to upgrade.")
        return
    run = upgrading.preview if dry_run else upgrading.apply
    outcome = run(root, steps, conflict)  # type: ignore[arg-type]
    word = "Would upgrade" if dry_run else "Upgraded"
    for step in outcome.updated:
        versions = f"{upgrading.shown(step.current)} to {upgrading.shown(step.target)}"
        click.echo(f"{word} {step.answers_file} from {versions}.")
    pipeline_note = None if dry_run else cicd.unpassed_variables_note(root)
    if pipeline_note:
        click.echo(pipeline_note)
    _print_upgrade_result(outcome, dry_run)


def _print_versions(steps: list[upgrading.Step]) -> None:
    from polster.upgrade import shown

    for step in steps:
        if step.note:
            click.echo(f"{step.answers_file}: {step.note}.")
            continue
        state = "upgrade available" if step.pending else "up to date"
        click.echo(
            f"{step.answers_file}: {shown(step.current)}, newest {shown(step.newest)} ({state})"
        )


def _print_upgrade_result(outcome: upgrading.Outcome, dry_run: bool) -> None:
    changed = [f"{change.status} {change.path}" for change in outcome.changes]
    conflicted = set(outcome.conflicts)
    if changed:
        click.echo("These files would change:" if dry_run else "Changed files:")
        _echo_lines(line for line in changed if line[3:] not in conflicted)
    if outcome.conflicts:
        click.echo("These files would conflict:" if dry_run else "Conflicts left in these files:")
        _echo_lines(outcome.conflicts)
    if outcome.left:
        names = ", ".join(step.answers_file for step in outcome.left)
        click.echo(f"Not upgraded yet (commit the resolved conflicts, then run again): {names}")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    if outcome.conflicts:
        click.echo(
            "Resolve them (the blocks between '<<<<<<< before updating' and '>>>>>>> after "
            "updating', or the .rej files), then git add and commit. See docs/upgrade.md."
        )
        raise SystemExit(1)
    click.echo("Review the changes (git diff), run the tests, then commit them.")


def main() -> None:
    cli(prog_name="polster")
