"""AI4ArtsEd Desktop: the program a teacher starts."""
