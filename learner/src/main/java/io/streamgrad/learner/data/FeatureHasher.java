package io.streamgrad.learner.data;

/**
 * The hashing trick for named features (Weinberger, Dasgupta, Langford, Smola &amp; Attenberg, "Feature Hashing
 * for Large Scale Multitask Learning", ICML 2009): a feature name is mapped to a column of a fixed-size space by
 * a hash, and its value is multiplied by a second, independent hash bit (±1) so that collisions cancel in
 * expectation instead of piling up (the hashed inner product is unbiased).
 *
 * <p>The hash is MurmurHash3 x86_32 (Austin Appleby, public domain), seed 0, of the name's UTF-8 bytes — the
 * same value as Guava's {@code Hashing.murmur3_32_fixed().hashString(name, UTF_8)} and Python's
 * {@code mmh3.hash(name)}. From the 32-bit hash {@code h}:
 * <ul>
 *   <li>index = {@code (h & 0x7fffffff) % dim}: the low 31 bits;</li>
 *   <li>sign = {@code +1} when bit 31 of {@code h} is 0, {@code -1} when it is 1.</li>
 * </ul>
 * Index and sign use disjoint bits, so they are independent for any {@code dim}. A categorical value
 * is hashed as {@code name=value} with value 1 (before the sign).
 *
 * <p>Encoding is done on the fly from the {@code CharSequence}: hashing allocates nothing. Unpaired surrogates
 * are encoded as {@code '?'}, as {@link String#getBytes(java.nio.charset.Charset)} does. Instances are not
 * thread-safe (they keep the running hash); the static helpers are.
 */
public final class FeatureHasher {
    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private final int dim;
    // Running MurmurHash3 state.
    private int h1;
    private int carry;
    private int carryBytes;
    private int length;

    /** @param dim the size of the hashed feature space ({@code model.features}) */
    public FeatureHasher(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("feature space must be positive, got " + dim);
        }
        this.dim = dim;
    }

    public int dim() {
        return dim;
    }

    /** MurmurHash3 x86_32 (seed 0) of the UTF-8 encoding of {@code name}. */
    public int hash(CharSequence name) {
        start();
        feed(name);
        return finish();
    }

    /** The hash of {@code name + separator + value} (for categorical features), without concatenating. */
    public int hash(CharSequence name, char separator, CharSequence value) {
        start();
        feed(name);
        feedChar(separator);
        feed(value);
        return finish();
    }

    /** The column of a feature whose name hashed to {@code hash}. */
    public static int index(int hash, int dim) {
        return (hash & 0x7fffffff) % dim;
    }

    /** The sign (+1 or -1) a feature whose name hashed to {@code hash} is multiplied by. */
    public static float sign(int hash) {
        return hash >= 0 ? 1f : -1f;
    }

    /** Column of {@code name} in this hasher's space. */
    public int index(CharSequence name) {
        return index(hash(name), dim);
    }

    /** MurmurHash3 x86_32 of a byte range: the reference the streaming version must agree with. */
    public static int murmur3(byte[] data, int offset, int len, int seed) {
        int h = seed;
        int end = offset + (len & ~3);
        for (int i = offset; i < end; i += 4) {
            int k = (data[i] & 0xff) | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff) << 16 | data[i + 3] << 24;
            h = mixH(h, mixK(k));
        }
        int k = 0;
        switch (len & 3) {
            case 3:
                k ^= (data[end + 2] & 0xff) << 16;
            // fall through
            case 2:
                k ^= (data[end + 1] & 0xff) << 8;
            // fall through
            case 1:
                k ^= data[end] & 0xff;
                h ^= mixK(k);
                break;
            default:
                break;
        }
        return fmix(h ^ len);
    }

    private void start() {
        h1 = 0;
        carry = 0;
        carryBytes = 0;
        length = 0;
    }

    private void feed(CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                put(c);
            } else if (c < 0x800) {
                put(0xc0 | (c >> 6));
                put(0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                put(0xf0 | (cp >> 18));
                put(0x80 | ((cp >> 12) & 0x3f));
                put(0x80 | ((cp >> 6) & 0x3f));
                put(0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                put('?');
            } else {
                put(0xe0 | (c >> 12));
                put(0x80 | ((c >> 6) & 0x3f));
                put(0x80 | (c & 0x3f));
            }
        }
    }

    private void feedChar(char c) {
        if (c < 0x80) {
            put(c);
        } else {
            feed(String.valueOf(c));
        }
    }

    private void put(int b) {
        carry |= (b & 0xff) << (carryBytes << 3);
        length++;
        if (++carryBytes == 4) {
            h1 = mixH(h1, mixK(carry));
            carry = 0;
            carryBytes = 0;
        }
    }

    private int finish() {
        int h = h1;
        if (carryBytes > 0) {
            h ^= mixK(carry);
        }
        return fmix(h ^ length);
    }

    private static int mixK(int k) {
        k *= C1;
        k = Integer.rotateLeft(k, 15);
        return k * C2;
    }

    private static int mixH(int h, int k) {
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    private static int fmix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
