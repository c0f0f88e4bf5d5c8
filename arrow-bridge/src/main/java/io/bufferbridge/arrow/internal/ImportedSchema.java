package io.bufferbridge.arrow.internal;

import io.bufferbridge.arrow.c.ArrowImportException;
import io.bufferbridge.arrow.c.ArrowSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An {@code ArrowSchema} tree read into Java, checked for what can be checked without the array:
 * formats present, children present and live, no dictionary.
 *
 * @param path where in the tree ({@code root}, {@code root.0}, …), for messages
 * @param format the format string
 * @param name the name, or null
 * @param metadata decoded metadata
 * @param children child schemas
 * @param flags the {@code flags} field ({@code ARROW_FLAG_NULLABLE} is 2)
 */
record ImportedSchema(String path, String format, String name, Map<String, String> metadata,
        List<ImportedSchema> children, long flags) {

    /** {@code ARROW_FLAG_NULLABLE} of the C data interface. */
    static final long NULLABLE = 2;

    static final int MAX_DEPTH = 64;
    static final long MAX_CHILDREN = 1 << 16;

    static ImportedSchema read(ArrowSchema s, String path, int depth) {
        return read(s.address(), path, depth);
    }

    /** As {@link #read(ArrowSchema, String, int)}, for the struct at {@code s}. */
    static ImportedSchema read(long s, String path, int depth) {
        return read(s, path, depth, new NodeBudget("schema"));
    }

    // Fields read by address (Structs): no segment object per field.
    private static ImportedSchema read(long s, String path, int depth, NodeBudget budget) {
        budget.visit(path);
        if (depth > MAX_DEPTH) {
            throw new ArrowImportException("schema nested too deeply: path=" + path + " depth=" + depth
                    + " expected=0.." + MAX_DEPTH);
        }
        if (Structs.get(s, Structs.S_RELEASE) == 0) {
            throw new ArrowImportException("ArrowSchema already released: path=" + path + " release=NULL");
        }
        long formatPointer = Structs.get(s, Structs.S_FORMAT);
        if (formatPointer == 0) {
            throw new ArrowImportException("ArrowSchema format is NULL: path=" + path);
        }
        String format = Native.readCString(formatPointer);
        if (format == null) {
            throw new ArrowImportException("ArrowSchema format is not NUL-terminated: path=" + path
                    + " limit=" + Native.MAX_STRING);
        }
        String name = Native.readCString(Structs.get(s, Structs.S_NAME));
        budget.read(path, format.length() + (name == null ? 0 : name.length()));
        if (Structs.get(s, Structs.S_DICTIONARY) != 0) {
            throw new ArrowImportException("dictionary-encoded arrays are not supported: path=" + path
                    + " format='" + format + "'");
        }
        MetadataBlob.Pairs metadata = MetadataBlob.decode(Structs.get(s, Structs.S_METADATA), path);
        for (int i = 0; i < metadata.size(); i++) {
            budget.read(path, 8 + metadata.key(i).length() + metadata.value(i).length());
        }
        long n = Structs.get(s, Structs.S_N_CHILDREN);
        long pointers = Structs.get(s, Structs.S_CHILDREN);
        long flags = Structs.get(s, Structs.S_FLAGS);
        if (n < 0 || n > MAX_CHILDREN) {
            throw new ArrowImportException("ArrowSchema n_children out of range: path=" + path + " n_children=" + n
                    + " expected=0.." + MAX_CHILDREN);
        }
        if (n > 0 && pointers == 0) {
            throw new ArrowImportException("ArrowSchema children is NULL: path=" + path + " n_children=" + n);
        }
        if (n == 0) {
            return new ImportedSchema(path, format, name, metadata, List.of(), flags);
        }
        List<ImportedSchema> children = new ArrayList<>((int) Math.min(n, 16));
        for (long i = 0; i < n; i++) {
            long child = Structs.pointerAt(pointers, i);
            if (child == 0) {
                throw new ArrowImportException("ArrowSchema child is NULL: path=" + path + " child=" + i);
            }
            String at = path + "." + i;
            children.add(budget.child(child, at, () -> read(child, at, depth + 1, budget)));
        }
        return new ImportedSchema(path, format, name, metadata, children, flags);
    }

    boolean isNullable() {
        return (flags & NULLABLE) != 0;
    }

    String extensionName() {
        return metadata.get(Extensions.NAME_KEY);
    }

    /** {@return the same signature {@link TypeNode#signature()} gives} */
    String signature() {
        return TypeNode.signature(format, extensionName(), children, ImportedSchema::signature);
    }
}
