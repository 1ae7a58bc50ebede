package io.crdbmcp.server.http;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A small https server on 127.0.0.1 (the JDK's) serving JSON documents, with a self-signed
 * certificate made by keytool, and a trust store holding that certificate for the server under test
 * ({@code -Djavax.net.ssl.trustStore}): what Client ID Metadata Documents need, since they are
 * fetched only over https.
 */
final class HttpsDocuments implements AutoCloseable {
  private final HttpsServer server;
  private final Path trustStore;
  private final Map<String, String> documents = new ConcurrentHashMap<>();

  private HttpsDocuments(HttpsServer server, Path trustStore) {
    this.server = server;
    this.trustStore = trustStore;
  }

  static HttpsDocuments start() throws Exception {
    Path dir = Files.createTempDirectory("crdb-https-docs");
    Path ks = dir.resolve("server.p12");
    Path cer = dir.resolve("server.cer");
    Path trust = dir.resolve("trust.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "docs",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "SAN=ip:127.0.0.1",
        "-validity",
        "2",
        "-keystore",
        ks.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit");
    keytool(
        "-exportcert",
        "-alias",
        "docs",
        "-keystore",
        ks.toString(),
        "-storepass",
        "changeit",
        "-file",
        cer.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "docs",
        "-file",
        cer.toString(),
        "-keystore",
        trust.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit");
    KeyStore k = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(ks.toFile())) {
      k.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(k, "changeit".toCharArray());
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.setHttpsConfigurator(new HttpsConfigurator(ssl));
    HttpsDocuments docs = new HttpsDocuments(s, trust);
    s.createContext(
        "/",
        ex -> {
          String body = docs.documents.get(ex.getRequestURI().getPath());
          byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : b.length);
          if (body != null) {
            ex.getResponseBody().write(b);
          }
          ex.close();
        });
    s.start();
    return docs;
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
  }

  /** The https URL of a path here. */
  String url(String path) {
    return "https://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  void put(String path, String json) {
    documents.put(path, json);
  }

  /** The JVM options that make a process trust this server's certificate. */
  List<String> trustOptions() {
    return List.of(
        "-Djavax.net.ssl.trustStore=" + trustStore,
        "-Djavax.net.ssl.trustStorePassword=changeit",
        "-Djavax.net.ssl.trustStoreType=PKCS12");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
