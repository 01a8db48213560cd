package io.streamgrad.serving.recs;

import java.util.Arrays;

/**
 * An immutable map from raw id to a non-negative int (a row's slot), as a hash array mapped trie (Bagwell 2001, the
 * structure of Clojure's and Scala's persistent maps): 32-way nodes indexed by 5 bits of the id's hash. A new
 * version that puts or removes m ids copies O(m log32 n) small nodes and shares every other node with the version
 * before, so a delta of m rows on a table of 10^6 costs O(m), not a copy of the index.
 *
 * <p>Changes go through an {@link Editor} (a transient, as Clojure's): nodes it created itself it changes in place,
 * so a delta of m ids copies each touched path once. A finished version is never changed again: readers on any
 * thread may use it once it is published (through a volatile field).
 */
final class PersistentIndex {
    private static final int BITS = 5;
    private static final int MASK = (1 << BITS) - 1;

    static final PersistentIndex EMPTY = new PersistentIndex(new Node(null, 0, new Object[0]), 0);

    private final Node root;
    private final int size;

    private PersistentIndex(Node root, int size) {
        this.root = root;
        this.size = size;
    }

    int size() {
        return size;
    }

    /** The value of {@code key}, or -1. */
    int get(String key) {
        return get(root, key);
    }

    private static int get(Node root, String key) {
        int h = hash(key);
        Object n = root;
        int shift = 0;
        while (true) {
            if (n instanceof Node node) {
                int bit = 1 << ((h >>> shift) & MASK);
                if ((node.bitmap & bit) == 0) {
                    return -1;
                }
                n = node.array[Integer.bitCount(node.bitmap & (bit - 1))];
                shift += BITS;
            } else if (n instanceof Leaf l) {
                return l.hash == h && l.key.equals(key) ? l.value : -1;
            } else {
                for (Leaf l : ((Collision) n).leaves) {
                    if (l.key.equals(key)) {
                        return l.value;
                    }
                }
                return -1;
            }
        }
    }

    Editor edit() {
        return new Editor(this);
    }

    private static int hash(String key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }

    private record Leaf(String key, int hash, int value) {}

    private record Collision(int hash, Leaf[] leaves) {}

    private static final class Node {
        /** The editor that created this node and may change it in place (null: shared, immutable). */
        final Object owner;

        int bitmap;
        Object[] array;

        Node(Object owner, int bitmap, Object[] array) {
            this.owner = owner;
            this.bitmap = bitmap;
            this.array = array;
        }
    }

    /** Puts and removes on a private copy of the touched paths; {@link #done()} gives the new version. */
    static final class Editor {
        private final Object token = new Object();
        private Node root;
        private int size;
        private boolean done;

        private Editor(PersistentIndex from) {
            this.root = from.root;
            this.size = from.size;
        }

        /** The value of {@code key} with the edits so far, or -1. */
        int get(String key) {
            return PersistentIndex.get(root, key);
        }

        void put(String key, int value) {
            check();
            if (value < 0) {
                throw new IllegalArgumentException("values are >= 0, got " + value);
            }
            root = (Node) put(root, 0, hash(key), key, value);
        }

        void remove(String key) {
            check();
            Object r = remove(root, 0, hash(key), key);
            root = r == null ? new Node(token, 0, new Object[0]) : (Node) r;
        }

        PersistentIndex done() {
            check();
            done = true;
            return new PersistentIndex(root, size);
        }

        private void check() {
            if (done) {
                throw new IllegalStateException("this editor's version is done; edit() it again");
            }
        }

        private Node editable(Node n) {
            return n.owner == token ? n : new Node(token, n.bitmap, n.array.clone());
        }

        private Object put(Object n, int shift, int h, String key, int value) {
            if (n instanceof Node node) {
                int bit = 1 << ((h >>> shift) & MASK);
                int idx = Integer.bitCount(node.bitmap & (bit - 1));
                Node e = editable(node);
                if ((node.bitmap & bit) == 0) {
                    Object[] a = new Object[e.array.length + 1];
                    System.arraycopy(e.array, 0, a, 0, idx);
                    a[idx] = new Leaf(key, h, value);
                    System.arraycopy(e.array, idx, a, idx + 1, e.array.length - idx);
                    e.array = a;
                    e.bitmap |= bit;
                    size++;
                } else {
                    e.array[idx] = put(e.array[idx], shift + BITS, h, key, value);
                }
                return e;
            }
            if (n instanceof Leaf l) {
                if (l.hash == h && l.key.equals(key)) {
                    return new Leaf(key, h, value);
                }
                size++;
                if (l.hash == h) {
                    return new Collision(h, new Leaf[] {l, new Leaf(key, h, value)});
                }
                return split(l, new Leaf(key, h, value), shift);
            }
            Collision c = (Collision) n;
            if (c.hash != h) {
                Node node = new Node(token, 1 << ((c.hash >>> shift) & MASK), new Object[] {c});
                return put(node, shift, h, key, value);
            }
            Leaf[] leaves = c.leaves;
            for (int i = 0; i < leaves.length; i++) {
                if (leaves[i].key.equals(key)) {
                    Leaf[] copy = leaves.clone();
                    copy[i] = new Leaf(key, h, value);
                    return new Collision(h, copy);
                }
            }
            Leaf[] copy = Arrays.copyOf(leaves, leaves.length + 1);
            copy[leaves.length] = new Leaf(key, h, value);
            size++;
            return new Collision(h, copy);
        }

        /** A node at {@code shift} holding two leaves with different hashes. */
        private Node split(Leaf a, Leaf b, int shift) {
            int ia = (a.hash >>> shift) & MASK;
            int ib = (b.hash >>> shift) & MASK;
            if (ia == ib) {
                return new Node(token, 1 << ia, new Object[] {split(a, b, shift + BITS)});
            }
            return ia < ib
                    ? new Node(token, (1 << ia) | (1 << ib), new Object[] {a, b})
                    : new Node(token, (1 << ia) | (1 << ib), new Object[] {b, a});
        }

        /** The node without {@code key}: the same object when absent, null when nothing is left. */
        private Object remove(Object n, int shift, int h, String key) {
            if (n instanceof Node node) {
                int bit = 1 << ((h >>> shift) & MASK);
                if ((node.bitmap & bit) == 0) {
                    return node;
                }
                int idx = Integer.bitCount(node.bitmap & (bit - 1));
                Object child = node.array[idx];
                Object next = remove(child, shift + BITS, h, key);
                if (next == child) {
                    return node;
                }
                Node e = editable(node);
                if (next != null) {
                    e.array[idx] = next;
                    return e;
                }
                if (e.array.length == 1) {
                    return null;
                }
                Object[] a = new Object[e.array.length - 1];
                System.arraycopy(e.array, 0, a, 0, idx);
                System.arraycopy(e.array, idx + 1, a, idx, a.length - idx);
                e.array = a;
                e.bitmap &= ~bit;
                return e;
            }
            if (n instanceof Leaf l) {
                if (l.hash == h && l.key.equals(key)) {
                    size--;
                    return null;
                }
                return l;
            }
            Collision c = (Collision) n;
            for (int i = 0; i < c.leaves.length; i++) {
                if (c.leaves[i].key.equals(key)) {
                    size--;
                    if (c.leaves.length == 2) {
                        return c.leaves[1 - i];
                    }
                    Leaf[] copy = new Leaf[c.leaves.length - 1];
                    System.arraycopy(c.leaves, 0, copy, 0, i);
                    System.arraycopy(c.leaves, i + 1, copy, i, copy.length - i);
                    return new Collision(c.hash, copy);
                }
            }
            return c;
        }
    }
}
