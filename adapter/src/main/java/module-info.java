/**
 * bufferbridge adapter: the PEP 3118 format grammar and the buffer view model, on nothing but the
 * JDK. {@code io.bufferbridge.format} parses format strings; {@code io.bufferbridge.view} holds
 * views, exporters and request flags. Implementation lives in non-exported packages. What the
 * types promise is written out in {@code docs/contract.md} in the repository.
 *
 * <p>{@code jdk.incubator.vector} is optional: with {@code --add-modules jdk.incubator.vector}
 * the strided copies use vector kernels, without it scalar ones (the same bytes either way).
 * {@code jdk.management} is optional as well: large transposes are staged through a cached
 * buffer only where it says that the JDK's large copies use non-temporal stores.
 */
module io.bufferbridge.adapter {
    requires static jdk.incubator.vector;
    // Optional too: only read to learn whether the JDK's large copies store non-temporally
    // (StridedCopy's staged transposes); without it they are not staged.
    requires static jdk.management;

    exports io.bufferbridge.format;
    exports io.bufferbridge.view;
    // Only to the arrow-bridge: ViewInternals lends it the views' shape and strides arrays, and
    // builds its imports' views, without the copies the public API makes (a tenth of a small
    // export + import's allocation). Nothing else of the package is used outside this module.
    exports io.bufferbridge.internal.view to io.bufferbridge.arrow;
}
