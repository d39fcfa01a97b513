from cjwork.cli import main

main()
