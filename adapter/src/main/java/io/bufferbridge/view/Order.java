package io.bufferbridge.view;

/** Element order: C (row-major, last index fastest), F (Fortran, first index fastest), or either. */
public enum Order {
    /** Row-major: the last index varies fastest. */
    C,
    /** Column-major: the first index varies fastest. */
    F,
    /** Either order: for contiguity, C or F; for copies, F when the view is F- but not C-contiguous, else C. */
    A
}
