"""Shape rewrites: shape computations taken from the inputs' shapes, useless shape ops removed."""
