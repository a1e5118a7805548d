from minimaxlab.cli import main

main()
