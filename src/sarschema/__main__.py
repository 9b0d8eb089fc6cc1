from sarschema.cli import main

main()
