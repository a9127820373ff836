package dev.ladder.photos;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The image formats photos may be in, with their media type, magic bytes and file extension. */
public enum ImageFormat {
    JPEG("image/jpeg", "jpg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}),
    PNG("image/png", "png", new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});

    private final String mediaType;
    private final String extension;
    private final byte[] magic;

    ImageFormat(String mediaType, String extension, byte[] magic) {
        this.mediaType = mediaType;
        this.extension = extension;
        this.magic = magic;
    }

    public String mediaType() {
        return mediaType;
    }

    public String extension() {
        return extension;
    }

    /** The format a Content-Type names (parameters ignored), if it is one of ours. */
    public static Optional<ImageFormat> ofMediaType(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        String bare = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(format -> format.mediaType.equals(bare)).findFirst();
    }

    /** The format the bytes start like, whatever anyone says they are. */
    public static Optional<ImageFormat> sniff(byte[] bytes) {
        return Arrays.stream(values()).filter(format -> startsWith(bytes, format.magic)).findFirst();
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }
}
