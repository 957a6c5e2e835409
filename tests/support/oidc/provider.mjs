// A certified OpenID provider (oidc-provider) on loopback, for the sign-in tests only.
// Its development login pages accept any login and password: the login names the account, and a login
// that looks like an email address is also its email claim ("ada@example.org" signs in as Ada).
// Usage: node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://localhost:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false, // email and name in the ID token, which is what Streamlit's st.user reads
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['roundtable-test-only'] },
  async findAccount(ctx, sub) {
    const name = sub.split('@')[0];
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: sub.includes('@') ? sub : `${sub}@example.org`,
          email_verified: true,
          name: name.charAt(0).toUpperCase() + name.slice(1),
        };
      },
    };
  },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => console.log(`oidc provider ready at ${issuer}`));
