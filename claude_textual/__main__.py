from claude_textual.cli import main

raise SystemExit(main())
