package io.bufferbridge.view;

/**
 * A complex value read from a {@code Zf}, {@code Zd} or {@code Zg} element.
 *
 * @param real the real part
 * @param imag the imaginary part
 */
public record Complex(double real, double imag) {}
