package dev.ladder.photos;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Removes what a photo says about its owner — Exif (GPS position, camera serial, time), XMP, IPTC,
 * comments, PNG text — from the bytes that are stored and served, keeping the pixels untouched
 * (no re-encoding, so no quality is lost) and the one tag that changes how the photo looks: its
 * orientation, written back as an Exif block holding Orientation alone.
 *
 * Done by hand over the segment structure: the maintained Java libraries either only read
 * metadata (metadata-extractor), or reach it by decoding and re-encoding (ImageIO, TwelveMonkeys),
 * which costs quality and a full decode per upload. JPEG keeps JFIF (APP0), ICC profiles (APP2
 * "ICC_PROFILE") and Adobe's colour transform (APP14), which decoders need; PNG keeps every
 * critical and colour chunk and drops tEXt, zTXt, iTXt, tIME and eXIf.
 */
final class ImageMetadata {
    private static final byte[] EXIF_HEADER = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] ICC_HEADER = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final int ORIENTATION_TAG = 0x0112;
    private static final Set<String> PNG_DROPPED = Set.of("tEXt", "zTXt", "iTXt", "tIME", "eXIf");

    private ImageMetadata() {
    }

    /** The image without its metadata; throws IOException when its structure cannot be followed. */
    static byte[] strip(byte[] image, ImageFormat format) throws IOException {
        try {
            return switch (format) {
                case JPEG -> stripJpeg(image);
                case PNG -> stripPng(image);
            };
        } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            throw new IOException("the image's structure is truncated or corrupt", e);
        }
    }

    private static byte[] stripJpeg(byte[] jpeg) throws IOException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream(jpeg.length);
        int orientation = 1;
        int at = 2; // after SOI
        while (true) {
            if (at + 4 > jpeg.length || (jpeg[at] & 0xFF) != 0xFF) {
                throw new IOException("no JPEG segment at byte " + at);
            }
            int marker = jpeg[at + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                at++;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) { // start of scan: the rest is image data, kept as it is
                kept.write(jpeg, at, jpeg.length - at);
                break;
            }
            int length = ((jpeg[at + 2] & 0xFF) << 8) | (jpeg[at + 3] & 0xFF);
            if (length < 2 || at + 2 + length > jpeg.length) {
                throw new IOException("a JPEG segment runs past the end");
            }
            int payload = at + 4;
            boolean keep = switch (marker) {
                case 0xE0, 0xEE -> true; // JFIF, Adobe
                case 0xE1 -> {
                    if (startsWith(jpeg, payload, EXIF_HEADER)) {
                        orientation = exifOrientation(jpeg, payload + EXIF_HEADER.length, at + 2 + length).orElse(orientation);
                    }
                    yield false;
                }
                case 0xE2 -> startsWith(jpeg, payload, ICC_HEADER);
                case 0xFE -> false; // comment
                default -> marker < 0xE0 || marker > 0xEF; // other APPn carry metadata; the rest is the image
            };
            if (keep) {
                kept.write(jpeg, at, 2 + length);
            }
            at += 2 + length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(kept.size() + 40);
        out.write(0xFF);
        out.write(0xD8);
        if (orientation != 1) {
            byte[] exif = orientationOnlyExif(orientation, true);
            out.write(0xFF);
            out.write(0xE1);
            out.write((exif.length + 2) >> 8);
            out.write((exif.length + 2) & 0xFF);
            out.writeBytes(exif);
        }
        kept.writeTo(out);
        return out.toByteArray();
    }

    private static byte[] stripPng(byte[] png) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(png.length);
        out.write(png, 0, 8);
        int orientation = 1;
        int at = 8;
        while (at < png.length) {
            int length = ByteBuffer.wrap(png, at, 4).getInt();
            if (length < 0 || at + 12L + length > png.length) {
                throw new IOException("a PNG chunk runs past the end");
            }
            String type = new String(png, at + 4, 4, StandardCharsets.ISO_8859_1);
            if (type.equals("eXIf")) {
                orientation = exifOrientation(png, at + 8, at + 8 + length).orElse(orientation);
            }
            if (type.equals("IDAT") && orientation != 1) {
                writePngChunk(out, "eXIf", orientationOnlyExif(orientation, false));
                orientation = 1;
            }
            if (!PNG_DROPPED.contains(type)) {
                out.write(png, at, 12 + length);
            }
            at += 12 + length;
            if (type.equals("IEND")) {
                break;
            }
        }
        return out.toByteArray();
    }

    /** The Orientation (1-8) in a TIFF structure (Exif's body) from start to end, if it has a valid one. */
    private static java.util.Optional<Integer> exifOrientation(byte[] bytes, int start, int end) {
        if (end - start < 8) {
            return java.util.Optional.empty();
        }
        ByteBuffer tiff = ByteBuffer.wrap(bytes, start, end - start).slice();
        if (bytes[start] == 'I' && bytes[start + 1] == 'I') {
            tiff.order(ByteOrder.LITTLE_ENDIAN);
        } else if (!(bytes[start] == 'M' && bytes[start + 1] == 'M')) {
            return java.util.Optional.empty();
        }
        long ifd = Integer.toUnsignedLong(tiff.getInt(4));
        if (ifd + 2 > tiff.limit()) {
            return java.util.Optional.empty();
        }
        int entries = Short.toUnsignedInt(tiff.getShort((int) ifd));
        for (int i = 0; i < entries; i++) {
            int entry = (int) ifd + 2 + i * 12;
            if (entry + 12 > tiff.limit()) {
                break;
            }
            if (Short.toUnsignedInt(tiff.getShort(entry)) == ORIENTATION_TAG && tiff.getShort(entry + 2) == 3) {
                int value = Short.toUnsignedInt(tiff.getShort(entry + 8));
                return value >= 1 && value <= 8 ? java.util.Optional.of(value) : java.util.Optional.empty();
            }
        }
        return java.util.Optional.empty();
    }

    /** A big-endian TIFF structure with one entry, Orientation; with Exif's "Exif\0\0" header for JPEG. */
    private static byte[] orientationOnlyExif(int orientation, boolean withHeader) {
        ByteBuffer tiff = ByteBuffer.allocate((withHeader ? EXIF_HEADER.length : 0) + 26);
        if (withHeader) {
            tiff.put(EXIF_HEADER);
        }
        tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        tiff.putShort((short) 1);
        tiff.putShort((short) ORIENTATION_TAG).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putInt(0);
        return tiff.array();
    }

    private static void writePngChunk(ByteArrayOutputStream out, String type, byte[] data) {
        ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
        chunk.putInt(data.length).put(type.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + data.length);
        chunk.putInt((int) crc.getValue());
        out.writeBytes(chunk.array());
    }

    private static boolean startsWith(byte[] bytes, int at, byte[] prefix) {
        if (at + prefix.length > bytes.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
