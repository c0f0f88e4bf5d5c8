package io.bufferbridge.dlpack;

/**
 * Whether an export may, must or must not copy: the array API's {@code copy} argument of
 * {@code __dlpack__} ({@code None}, {@code True}, {@code False}).
 */
public enum CopyMode {
    /** {@code copy=None}: zero-copy where DLPack can describe the view, otherwise a flagged copy. */
    IF_NEEDED,
    /** {@code copy=True}: always a copy in C order, flagged {@code IS_COPIED}. */
    ALWAYS,
    /** {@code copy=False}: zero-copy, or refused with {@link DLPackException} where a copy is needed. */
    NEVER
}
