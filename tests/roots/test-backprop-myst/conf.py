extensions = ["myst_parser", "symbackprop.sphinx"]
