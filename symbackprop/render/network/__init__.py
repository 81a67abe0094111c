"""A network's derivation in every format, one module per format: the matrix view's equations
(each with its shapes, then its numbers) and the scalar view's chains."""
