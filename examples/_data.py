"""Data for the examples: handwritten digits split into training, validation and test sets.

Sources, in order of preference:

- ``path``: MNIST in the Deep Learning Tutorials' format (a gzipped pickle of
  ``(train_set, valid_set, test_set)``, each ``(images, labels)`` with 784-pixel rows);
- scikit-learn's bundled 8x8 handwritten digits (``pip install -e ".[examples]"``), scaled to
  ``side`` x ``side`` pixels when ``side`` is not 8;
- otherwise a generated data set of ten noisy prototype images of ``side`` x ``side`` pixels.

The examples import this module as a sibling (``from _data import load_data``): a script's own
folder is on ``sys.path`` when it is run, and each example adds it when it is loaded by path.
"""

from __future__ import annotations

import gzip
import pickle
import struct
import zlib

import numpy as np

import theano

Split = tuple[np.ndarray, np.ndarray]


def load_data(path: str | None = None, side: int = 28, seed: int = 0) -> tuple[Split, Split, Split, str]:
    """Load digits as ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y), source)``.

    Parameters
    ----------
    path
        An MNIST pickle in the tutorials' format; its images are 28x28 whatever ``side`` says.
    side
        Side in pixels of the images made from scikit-learn's digits or generated.
    seed
        Seed of the shuffle (and of the generated images).

    Returns
    -------
    tuple
        Three ``(images, labels)`` pairs, images as ``floatX`` rows of ``side * side`` pixels in
        [0, 1] and labels as int32, then a line that names the source.
    """
    if path:
        with gzip.open(path, "rb") as handle:
            train, valid, test = pickle.load(handle, encoding="latin1")
        splits = [(np.asarray(x, dtype=theano.config.floatX), np.asarray(y, dtype="int32"))
                  for x, y in (train, valid, test)]
        return splits[0], splits[1], splits[2], f"MNIST from {path}"
    rng = np.random.default_rng(seed)
    try:
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = digits.images / 16.0
        if side != 8:
            from scipy.ndimage import zoom

            images = np.stack([zoom(img, side / 8, order=1) for img in images])
        images = images.reshape(len(images), side * side)
        labels = digits.target
        source = f"scikit-learn digits ({len(labels)} images of {side}x{side} pixels)"
    except ImportError:
        prototypes = rng.random((10, side * side)) < 0.2
        labels = rng.integers(0, 10, size=2000)
        flips = rng.random((2000, side * side)) < 0.1
        images = np.logical_xor(prototypes[labels], flips).astype("float64")
        source = f"generated prototypes (2000 noisy {side}x{side} images; install scikit-learn for real digits)"
    order = rng.permutation(len(labels))
    images = np.clip(images[order], 0, 1).astype(theano.config.floatX)
    labels = labels[order].astype("int32")
    n_train, n_valid = int(0.7 * len(labels)), int(0.15 * len(labels))
    train = (images[:n_train], labels[:n_train])
    valid = (images[n_train:n_train + n_valid], labels[n_train:n_train + n_valid])
    test = (images[n_train + n_valid:], labels[n_train + n_valid:])
    return train, valid, test, source


def shared_dataset(split: Split, name: str) -> tuple[theano.compile.SharedVariable, theano.compile.SharedVariable]:
    """Put one ``(images, labels)`` split in shared variables, as the tutorials do, so that a
    minibatch is selected inside the compiled function (``givens``) instead of copied in."""
    images, labels = split
    return (theano.shared(np.asarray(images, dtype=theano.config.floatX), name=f"{name}_x"),
            theano.shared(np.asarray(labels, dtype="int32"), name=f"{name}_y"))


def tile_images(rows: np.ndarray, side: int, columns: int = 10, zoom: int = 1) -> np.ndarray:
    """Arrange ``rows`` (one ``side * side`` image per row, e.g. a weight matrix's columns
    transposed) in a grid of ``columns``, each image scaled to [0, 255] on its own and enlarged
    ``zoom`` times, with one-pixel black borders; returns a uint8 array."""
    n = len(rows)
    n_rows = -(-n // columns)
    cell = side * zoom + 1
    grid = np.zeros((n_rows * cell + 1, columns * cell + 1), dtype=np.uint8)
    for i, row in enumerate(rows):
        img = row.reshape(side, side).astype("float64")
        img = (img - img.min()) / max(img.max() - img.min(), 1e-8)
        img = np.kron(img, np.ones((zoom, zoom)))
        r, c = divmod(i, columns)
        grid[1 + r * cell:(r + 1) * cell, 1 + c * cell:(c + 1) * cell] = np.round(255 * img).astype(np.uint8)
    return grid


def write_png(path: str, image: np.ndarray) -> None:
    """Write a 2-d uint8 array as an 8-bit greyscale PNG (no imaging library needed)."""
    height, width = image.shape

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    scanlines = b"".join(b"\x00" + np.ascontiguousarray(row, dtype=np.uint8).tobytes() for row in image)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8 bits, greyscale, no interlace
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines, 9))
                     + chunk(b"IEND", b""))
