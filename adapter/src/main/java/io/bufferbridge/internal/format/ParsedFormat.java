package io.bufferbridge.internal.format;

import io.bufferbridge.format.Element;

/**
 * What a grammar hands back to {@code Format}: the element layout and the two itemsize rules.
 *
 * @param element the root element (a record for a format of several items)
 * @param itemsize {@code struct}'s rule: no trailing padding at the outermost level
 * @param paddedItemsize NumPy's rule: a natively aligned record padded up to its alignment
 * @param alignment the common alignment NumPy's parser reports for the whole format
 * @param canonical the normalized format string
 * @param structCompatible whether CPython's {@code struct} module accepts the string
 */
public record ParsedFormat(
        Element element, long itemsize, long paddedItemsize, long alignment, String canonical, boolean structCompatible) {}
