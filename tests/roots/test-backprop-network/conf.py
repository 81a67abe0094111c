extensions = ["symbackprop.sphinx"]
