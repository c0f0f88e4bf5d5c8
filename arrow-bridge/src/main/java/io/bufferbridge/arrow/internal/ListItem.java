package io.bufferbridge.arrow.internal;

import io.bufferbridge.format.Element;
import io.bufferbridge.format.Scalar;
import io.bufferbridge.format.SubArray;
import java.util.List;

/**
 * The item of one slot of a {@code +w:n} fixed-size list, as docs/contract.md §2 maps elements to
 * lists: a sub-array {@code (d0,d1,…)x} is a list of {@code d0} items, each the sub-array of the
 * remaining dimensions (or {@code x} itself at the last one); a complex {@code Zf}/{@code Zd} is a
 * list of its two floats. Export (gathering) and import (scattering) walk the same tree with it.
 *
 * @param element the item's element, or null for a complex's float (the list's child type says it)
 * @param size bytes per item
 */
record ListItem(Element element, long size) {

    /** {@return the item of one slot of the list {@code e} maps to} @param e a sub-array or a complex scalar */
    static ListItem of(Element e) {
        if (e instanceof SubArray sa) {
            List<Long> dims = sa.shape();
            long rest = 1;
            for (int i = 1; i < dims.size(); i++) {
                rest *= dims.get(i);
            }
            long size = rest * sa.element().size();
            return new ListItem(dims.size() == 1 ? sa.element() : new SubArray(sa.element(), dims.subList(1, dims.size()), size),
                    size);
        }
        return new ListItem(null, ((Scalar) e).size() / 2);
    }
}
