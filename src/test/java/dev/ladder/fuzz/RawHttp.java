package dev.ladder.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, byte for byte as given: the JDK's HttpClient refuses (rightly) to
 * send CR/LF in header values, raw non-ASCII in paths or oversized headers, which are exactly what
 * the fuzz suite must send. Keeps its connection alive between requests and reconnects when the
 * server closes it.
 */
public final class RawHttp implements AutoCloseable {
    private static final int MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

    /** An answer; status -1 when the server closed the connection without one. */
    public record Response(int status, List<String[]> headers, byte[] body) {
        public String header(String name) {
            for (String[] header : headers) {
                if (header[0].equalsIgnoreCase(name)) {
                    return header[1];
                }
            }
            return null;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The head and body as text, for looking for leaks. */
        public String everything() {
            StringBuilder text = new StringBuilder();
            for (String[] header : headers) {
                text.append(header[0]).append(": ").append(header[1]).append('\n');
            }
            return text.append(bodyText()).toString();
        }
    }

    private final InetSocketAddress address;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int connections;

    public RawHttp(String host, int port) {
        this.address = new InetSocketAddress(host, port);
    }

    /** Sends one request (a whole HTTP/1.1 message) and reads its answer. */
    public Response exchange(byte[] request, boolean head) throws IOException {
        for (int attempt = 0; ; attempt++) {
            boolean fresh = socket == null;
            if (fresh) {
                connect();
            }
            try {
                try {
                    out.write(request);
                    out.flush();
                } catch (IOException e) {
                    // The server may answer (413, 431) and close before taking a large request whole: read what it said.
                }
                Response response = read(head);
                String connection = response.header("Connection");
                if (connection != null && connection.toLowerCase(Locale.ROOT).contains("close")) {
                    close();
                }
                return response;
            } catch (EOFException | java.net.SocketException e) {
                close();
                if (fresh || attempt > 0) {
                    return new Response(-1, List.of(), new byte[0]); // closed with no answer on a new connection
                }
                // A kept-alive connection the server had closed in between: once more on a new one.
            } catch (SocketTimeoutException e) {
                close();
                throw e;
            }
        }
    }

    /** How many connections this client has opened so far (1 while the server keeps the first alive). */
    public int connections() {
        return connections;
    }

    private void connect() throws IOException {
        connections++;
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        socket.connect(address, 5_000);
        in = new java.io.BufferedInputStream(socket.getInputStream(), 16 * 1024);
        out = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    private Response read(boolean head) throws IOException {
        String statusLine = line();
        while (statusLine.isEmpty()) {
            statusLine = line();
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        List<String[]> headers = new ArrayList<>();
        for (String line = line(); !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
        }
        Response shell = new Response(status, headers, new byte[0]);
        if (status == 100) {
            return read(head); // 100 Continue: the real answer follows
        }
        if (head || status == 204 || status == 304 || (status >= 100 && status < 200)) {
            return shell;
        }
        String length = shell.header("Content-Length");
        String encoding = shell.header("Transfer-Encoding");
        byte[] body;
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = chunked();
        } else if (length != null) {
            int size = Integer.parseInt(length.trim());
            if (size > MAX_RESPONSE_BYTES) {
                throw new IOException("response too large: " + size);
            }
            body = in.readNBytes(size);
            if (body.length < size) {
                throw new EOFException("body cut short");
            }
        } else {
            body = in.readNBytes(MAX_RESPONSE_BYTES);
            close();
        }
        return new Response(status, headers, body);
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                    // trailers: none expected
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length < size) {
                throw new EOFException("chunk cut short");
            }
            body.write(chunk);
            if (body.size() > MAX_RESPONSE_BYTES) {
                throw new IOException("response too large");
            }
            line();
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            if (line.size() > 64 * 1024) {
                throw new IOException("response line too long");
            }
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
