from tcloud.cli import main

raise SystemExit(main())
