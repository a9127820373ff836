package dev.ladder.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.InetAddressSet;

/**
 * Jetty's {@link ForwardedRequestCustomizer} (X-Forwarded-For/-Proto/-Host/-Port and Forwarded),
 * applied only to connections whose peer is one of http.trustedProxies. From anyone else those
 * headers are a client's claim, so the request keeps the connection's own address and scheme.
 */
public final class TrustedProxyCustomizer implements HttpConfiguration.Customizer {
    private final InetAddressSet trusted = new InetAddressSet();
    private final ForwardedRequestCustomizer forwarded = new ForwardedRequestCustomizer();

    /** proxies: IP addresses and CIDR ranges (validated by Config.Http). */
    public TrustedProxyCustomizer(List<String> proxies) {
        proxies.forEach(trusted::add);
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        SocketAddress peer = request.getConnectionMetaData().getRemoteSocketAddress();
        if (peer instanceof InetSocketAddress address && address.getAddress() != null && trusted.test(address.getAddress())) {
            return forwarded.customize(request, responseHeaders);
        }
        return request;
    }
}
