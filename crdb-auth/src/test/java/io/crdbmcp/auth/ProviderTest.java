package io.crdbmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import org.junit.jupiter.api.Test;

class ProviderTest {
  static final String TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

  @Test
  void entraFillsTheMultiTenantIssuerFromTid() {
    JWTClaimsSet c = new JWTClaimsSet.Builder().claim("tid", TID).build();
    assertThat(
            Provider.ENTRA.expectedIssuer("https://login.microsoftonline.com/{tenantid}/v2.0", c))
        .isEqualTo("https://login.microsoftonline.com/" + TID + "/v2.0");
    // A tid that is no tenant id leaves the template, which then fails the issuer check.
    JWTClaimsSet bad = new JWTClaimsSet.Builder().claim("tid", "x/../evil").build();
    assertThat(
            Provider.ENTRA.expectedIssuer("https://login.microsoftonline.com/{tenantid}/v2.0", bad))
        .contains("{tenantid}");
    assertThat(Provider.OIDC.expectedIssuer("https://idp/{tenantid}", c))
        .isEqualTo("https://idp/{tenantid}");
  }

  @Test
  void entraNamesTheUserByUpnAndIdentifiesByTidAndOid() {
    JWTClaimsSet c =
        new JWTClaimsSet.Builder()
            .subject("per-app-subject")
            .claim("tid", TID)
            .claim("oid", "00000000-0000-0000-0000-000000000001")
            .claim("preferred_username", "ann@contoso.com")
            .build();
    Provider.Identity who = Provider.ENTRA.identity(c);
    assertThat(who.user()).isEqualTo("ann@contoso.com");
    assertThat(who.subject()).isEqualTo(TID + "/00000000-0000-0000-0000-000000000001");
  }

  @Test
  void othersUseTheVerifiedEmailThenTheUsernameThenTheSubject() {
    JWTClaimsSet verified =
        new JWTClaimsSet.Builder().subject("auth0|1").claim("email", "a@x.com").build();
    assertThat(Provider.AUTH0.identity(verified).user()).isEqualTo("a@x.com");
    JWTClaimsSet unverified =
        new JWTClaimsSet.Builder()
            .subject("00u1")
            .claim("email", "a@x.com")
            .claim("email_verified", false)
            .claim("preferred_username", "ann")
            .build();
    assertThat(Provider.OKTA.identity(unverified).user()).isEqualTo("ann");
    assertThat(Provider.DUO.identity(new JWTClaimsSet.Builder().subject("DU1").build()).user())
        .isEqualTo("DU1");
  }
}
