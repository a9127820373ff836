package dev.ladder.web;

import dev.ladder.config.Config;
import dev.ladder.config.ConfigException;
import dev.ladder.config.ConfigOptions;
import dev.ladder.storage.ObjectStore;
import dev.ladder.storage.ObjectStores;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code ladder publish-static}: uploads the page's JS, CSS and icon to the configured object
 * store under content-hashed keys (served with Cache-Control: public, max-age=31536000,
 * immutable). Run it with each new jar before web nodes switch to web.assets: published.
 * Publishing again is harmless: the same content goes to the same key.
 */
@Command(name = "publish-static", mixinStandardHelpOptions = true,
        description = "Upload the web page's static assets, content-hashed, to the object store (for web.assets: published).")
public final class PublishStaticCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Override
    public Integer call() {
        Config config;
        try {
            config = configOptions.load();
        } catch (ConfigException e) {
            System.err.println("ladder: invalid configuration: " + e.getMessage());
            return 2;
        }
        try (ObjectStore store = ObjectStores.open(config, Clock.systemUTC())) {
            for (WebAssets.Asset asset : WebAssets.bundled()) {
                store.put(asset.key(), asset.bytes());
                System.out.println(asset.file() + " -> " + store.publicBase() + "/" + asset.key() + " (" + asset.bytes().length + " bytes)");
            }
        } catch (RuntimeException e) {
            System.err.println("ladder: publishing failed: " + e.getMessage());
            return 1;
        }
        System.out.println("Published " + WebAssets.FILES.size() + " assets with Cache-Control: " + ObjectStore.IMMUTABLE);
        return 0;
    }
}
