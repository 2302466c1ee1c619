from runrehab.entry import main

main()
