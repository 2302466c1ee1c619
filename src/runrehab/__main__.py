from runrehab.cli import main

main()
