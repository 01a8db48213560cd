package io.streamgrad.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The TCP sockets a process listens on, read from Linux's {@code /proc} (no {@code ss} or {@code lsof} needed):
 * {@code /proc/<pid>/fd} names socket inodes, {@code /proc/net/tcp} and {@code tcp6} give their local addresses.
 */
final class ListeningSockets {

    private static final String LISTEN = "0A";

    record Socket(long pid, InetAddress address, int port) {
        boolean loopback() {
            return address.isLoopbackAddress() || isV4MappedLoopback(address);
        }

        @Override
        public String toString() {
            return "pid " + pid + " " + address.getHostAddress() + ":" + port;
        }
    }

    private ListeningSockets() {}

    static List<Socket> of(long pid) {
        Map<Long, Socket> byInode = listeningByInode(pid);
        List<Socket> sockets = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (target.startsWith("socket:[")) {
                    Socket s = byInode.get(Long.parseLong(target.substring(8, target.length() - 1)));
                    if (s != null) {
                        sockets.add(s);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading /proc/" + pid + "/fd (is the process alive?)", e);
        }
        return sockets;
    }

    private static Map<Long, Socket> listeningByInode(long pid) {
        Map<Long, Socket> byInode = new HashMap<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> lines;
            try {
                // The process's own network namespace view.
                lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table));
            } catch (IOException e) {
                continue; // no IPv6 on this machine
            }
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals(LISTEN)) {
                    String[] local = f[1].split(":");
                    byInode.put(
                            Long.parseLong(f[9]), new Socket(pid, decode(local[0]), Integer.parseInt(local[1], 16)));
                }
            }
        }
        return byInode;
    }

    /** /proc/net/tcp writes addresses as hex, each 32-bit word in host (little-endian) byte order. */
    private static InetAddress decode(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = (word * 4 + (3 - b)) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("bad address " + hex, e);
        }
    }

    private static boolean isV4MappedLoopback(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff && b[12] == 127;
    }
}
