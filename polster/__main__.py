from polster.cli import main

raise SystemExit(main())
