package io.bufferbridge.testing;

import java.util.Random;

/** Random axis orders for the layout tests. */
public final class Permutations {
    private Permutations() {}

    /** {@return a uniformly random permutation of 0…n−1 (Fisher–Yates), drawn from {@code random}} */
    public static int[] random(Random random, int n) {
        int[] axes = new int[n];
        for (int k = 0; k < n; k++) {
            axes[k] = k;
        }
        for (int k = n - 1; k > 0; k--) {
            int j = random.nextInt(k + 1);
            int t = axes[k];
            axes[k] = axes[j];
            axes[j] = t;
        }
        return axes;
    }
}
