from pipectl.cli.main import main

raise SystemExit(main())
