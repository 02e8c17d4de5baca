from biosphere_tui.cli import main

raise SystemExit(main())
