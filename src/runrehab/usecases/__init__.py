"""What a command does, apart from its options and its output: one function per use case takes
the options as a request and returns a document or a stream of them. What it asks of the person
at the terminal comes through a Person (person.py), which the command layer provides."""
