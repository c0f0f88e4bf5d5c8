package io.bufferbridge.arrow.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bufferbridge.arrow.c.ArrowImportException;
import java.util.Arrays;

/** The canonical extension types bufferbridge writes and reads, and their JSON metadata. */
public final class Extensions {
    /** Field metadata key naming an extension type. */
    public static final String NAME_KEY = "ARROW:extension:name";
    /** Field metadata key holding an extension type's serialized parameters. */
    public static final String METADATA_KEY = "ARROW:extension:metadata";
    /** One byte per boolean, storage {@code c}. */
    public static final String BOOL8 = "arrow.bool8";
    /** Bytes the consumer need not understand, storage {@code w:N}. */
    public static final String OPAQUE = "arrow.opaque";
    /** Fixed-shape tensors, storage {@code +w:N}. */
    public static final String FIXED_SHAPE_TENSOR = "arrow.fixed_shape_tensor";
    /** The vendor name of an opaque PEP 3118 element. */
    public static final String PEP3118 = "PEP 3118";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Extensions() {
    }

    /** {@return {@code {"type_name": format, "vendor_name": "PEP 3118"}}} @param format the format */
    static String opaqueJson(String format) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type_name", format);
        o.put("vendor_name", PEP3118);
        return write(o);
    }

    /**
     * {@return {@code {"shape": shape, "permutation": permutation}}}
     *
     * @param shape physical (row-major) shape
     * @param permutation logical axis {@code i} is physical axis {@code permutation[i]}
     */
    static String tensorJson(long[] shape, int[] permutation) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode s = o.putArray("shape");
        for (long d : shape) {
            s.add(d);
        }
        ArrayNode p = o.putArray("permutation");
        for (int a : permutation) {
            p.add(a);
        }
        return write(o);
    }

    /**
     * The parameters of an {@code arrow.fixed_shape_tensor}.
     *
     * @param shape physical shape
     * @param permutation logical axis {@code i} is physical axis {@code permutation[i]}
     */
    record Tensor(long[] shape, int[] permutation) {
        /** {@return the logical shape: {@code shape[permutation[i]]}} */
        long[] logicalShape() {
            long[] out = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                out[i] = shape[permutation[i]];
            }
            return out;
        }
    }

    /**
     * Parses and checks tensor metadata.
     *
     * @param json the {@code ARROW:extension:metadata} value
     * @param listSize the storage's {@code +w:N}
     * @param path for messages
     * @return shape and permutation (identity when absent)
     * @throws ArrowImportException if the JSON is malformed, the permutation is not one, or the
     *     shape's product is not {@code listSize}
     */
    static Tensor parseTensor(String json, long listSize, String path) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ArrowImportException("fixed_shape_tensor metadata is not JSON: path=" + path + " metadata="
                    + quote(json), e);
        }
        if (root == null || !root.isObject() || !root.path("shape").isArray()) {
            throw new ArrowImportException("fixed_shape_tensor metadata has no shape array: path=" + path
                    + " metadata=" + quote(json));
        }
        JsonNode s = root.get("shape");
        if (s.size() > 63) {
            throw new ArrowImportException("fixed_shape_tensor has too many dimensions: path=" + path + " ndim="
                    + s.size() + " expected=0..63");
        }
        long[] shape = new long[s.size()];
        long product = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = s.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new ArrowImportException("fixed_shape_tensor shape entry is not a non-negative integer: path="
                        + path + " index=" + i + " found=" + d);
            }
            shape[i] = d.asLong();
            try {
                product = Math.multiplyExact(product, shape[i]);
            } catch (ArithmeticException e) {
                throw new ArrowImportException("fixed_shape_tensor shape overflows: path=" + path + " shape=" + s);
            }
        }
        if (product != listSize) {
            throw new ArrowImportException("fixed_shape_tensor shape does not match the list size: path=" + path
                    + " shape=" + Arrays.toString(shape) + " product=" + product + " list_size=" + listSize);
        }
        int[] perm = new int[shape.length];
        JsonNode p = root.get("permutation");
        if (p == null || p.isNull()) {
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
        } else {
            if (!p.isArray() || p.size() != shape.length) {
                throw new ArrowImportException("fixed_shape_tensor permutation has the wrong length: path=" + path
                        + " expected=" + shape.length + " found=" + p);
            }
            boolean[] seen = new boolean[shape.length];
            for (int i = 0; i < perm.length; i++) {
                JsonNode a = p.get(i);
                if (!a.isIntegralNumber() || a.asLong() < 0 || a.asLong() >= shape.length || seen[a.asInt()]) {
                    throw new ArrowImportException("fixed_shape_tensor permutation is not a permutation of 0.."
                            + (shape.length - 1) + ": path=" + path + " permutation=" + p);
                }
                perm[i] = a.asInt();
                seen[perm[i]] = true;
            }
        }
        return new Tensor(shape, perm);
    }

    /**
     * {@return the opaque type's {@code type_name} when its vendor is PEP 3118, else null}
     *
     * @param json the {@code ARROW:extension:metadata} value
     */
    static String opaquePep3118TypeName(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root != null && root.isObject() && PEP3118.equals(root.path("vendor_name").asText(null))
                    && root.path("type_name").isTextual()) {
                return root.get("type_name").asText();
            }
        } catch (JsonProcessingException e) {
            // A foreign opaque type need not carry JSON we understand: it is read as plain bytes.
        }
        return null;
    }

    private static String write(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String quote(String s) {
        return "'" + (s.length() > 200 ? s.substring(0, 200) + "…" : s) + "'";
    }
}
