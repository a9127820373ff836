package dev.ladder.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Objects as files under one folder (embedded and single-box). Writes go to a temporary file
 * that is then renamed into place, so a reader never sees half an object. This node serves the
 * folder at {@link #MEDIA_PATH}.
 */
public final class LocalDiskObjectStore implements ObjectStore {
    private static final Logger log = LoggerFactory.getLogger(LocalDiskObjectStore.class);

    public static final String MEDIA_PATH = "/media";

    private final Path root;
    private final String publicBase;

    /** publicBaseUrl: a CDN in front of this node's /media, or empty to link /media directly. */
    public LocalDiskObjectStore(Path root, String publicBaseUrl) {
        this.root = root.toAbsolutePath().normalize();
        this.publicBase = publicBaseUrl == null || publicBaseUrl.isEmpty() ? MEDIA_PATH : publicBaseUrl;
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new StorageException("cannot create the object folder " + this.root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /**
     * Durable when it returns: the content is forced to disk before the rename, and the folder
     * after it (and its parent when the folder is new), so a put that was acknowledged survives
     * a crash of the machine, not just of the process.
     */
    @Override
    public void put(ObjectKey key, byte[] content) {
        Path target = pathOf(key);
        try {
            Path folder = target.getParent();
            boolean newFolder = !Files.isDirectory(folder);
            Files.createDirectories(folder);
            Path temporary = Files.createTempFile(folder, ".put-", ".tmp");
            try {
                try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer buffer = ByteBuffer.wrap(content);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    channel.force(true);
                }
                try {
                    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
                }
                forceFolder(folder);
                if (newFolder) {
                    for (Path parent = folder.getParent(); parent != null && parent.startsWith(root); parent = parent.getParent()) {
                        forceFolder(parent);
                    }
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new StorageException("cannot store " + key + ": " + e.getMessage(), e);
        }
    }

    /** Makes a folder's entries (a rename, a new file) durable; where folders cannot be opened (Windows) the rename is all there is. */
    private static void forceFolder(Path folder) throws IOException {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (AccessDeniedException | UnsupportedOperationException e) {
            // The platform cannot open or force a folder (Windows refuses both): the rename itself
            // is then the only ordering there is, and the put stays as durable as the OS makes it.
            log.debug("Folder {} cannot be forced on this platform ({}); relying on the rename alone", folder, e.toString());
        }
    }

    @Override
    public Optional<byte[]> get(ObjectKey key, long maxBytes) {
        Path path = pathOf(key);
        try {
            long size = Files.size(path);
            if (size > maxBytes) {
                throw new StorageException(key + " is " + size + " bytes, more than the " + maxBytes + " allowed");
            }
            return Optional.of(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("cannot read " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Long> size(ObjectKey key) {
        try {
            return Optional.of(Files.size(pathOf(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("cannot read " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(ObjectKey key) {
        try {
            Files.deleteIfExists(pathOf(key));
        } catch (IOException e) {
            throw new StorageException("cannot delete " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<ObjectKey> list(String prefix, int max) {
        Path folder = root.resolve(ObjectKey.checkPrefix(prefix)).normalize();
        if (!folder.startsWith(root) || !Files.isDirectory(folder)) {
            return List.of();
        }
        List<ObjectKey> keys = new ArrayList<>();
        try (Stream<Path> files = Files.walk(folder)) {
            files.filter(Files::isRegularFile)
                    .map(file -> root.relativize(file).toString().replace(java.io.File.separatorChar, '/'))
                    .filter(name -> !name.contains("/.")) // temporary files of puts in progress
                    .sorted()
                    .limit(max)
                    .forEach(name -> keys.add(new ObjectKey(name)));
        } catch (IOException | UncheckedIOException e) {
            throw new StorageException("cannot list " + prefix + ": " + e.getMessage(), e);
        }
        return keys;
    }

    @Override
    public URI readUrl(ObjectKey key) {
        return URI.create(publicBase + "/" + key.value());
    }

    @Override
    public String publicBase() {
        return publicBase;
    }

    /** Uploads go through the application: there is no second server to send them to. */
    @Override
    public Optional<DirectUpload> directUpload(ObjectKey key, String contentType, long bytes) {
        return Optional.empty();
    }

    private Path pathOf(ObjectKey key) {
        Path path = root.resolve(key.value()).normalize();
        // ObjectKey already rules out "..", absolute paths and the like; this is the second lock.
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("key escapes the object folder: " + key);
        }
        return path;
    }
}
