package dev.ladder.photos;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Hand-made image bytes for the edge cases a real encoder will not produce. */
public final class Fixtures {
    private Fixtures() {
    }

    /**
     * A PNG signature and IHDR chunk announcing width x height, and no pixel data: a decompression
     * bomb's header, tiny on the wire. Anything that decodes it instead of reading the header fails.
     */
    public static byte[] pngHeaderOnly(int width, int height) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream data = new DataOutputStream(ihdr);
            data.writeInt(width);
            data.writeInt(height);
            data.writeByte(8); // bit depth
            data.writeByte(2); // truecolour
            data.writeByte(0);
            data.writeByte(0);
            data.writeByte(0);
            chunk(out, "IHDR", ihdr.toByteArray());
            chunk(out, "IEND", new byte[0]);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
