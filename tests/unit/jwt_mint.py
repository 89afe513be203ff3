#!/usr/bin/python3
"""jwt_mint: keys, JWKS documents and tokens for the JWT authorizer's tests,
made by a real JWT library (PyJWT with python3-cryptography, both Debian).

    jwt_mint.py DIR [NOW]

writes into DIR:
    jwks.json       RSA "rsa1", EC P-256 "ec1", and "enc1" (use: enc, so
                    not a signing key)
    secret          an HS256 secret, hex, one trailing newline
    jwks_*.json     bad documents the keyset loader must refuse
    tokens.json     {"now": NOW, "tokens": {NAME: TOKEN, ...}}

Every time claim is relative to NOW (default 1700000000), and the tests
pass NOW to the verifier, so nothing depends on the clock.
"""
import base64
import hashlib
import hmac
import json
import os
import sys

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISS = "https://issuer.example.com"
AUD = "api"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk_of(key, kid, **extra):
    cls = RSAAlgorithm if isinstance(key, rsa.RSAPublicKey) else ECAlgorithm
    d = json.loads(cls.to_jwk(key))
    if cls is ECAlgorithm:
        # Debian's PyJWT drops the leading zero bytes of x and y (one key
        # in 128); RFC 7518 wants them at the curve's full size, and the
        # daemon refuses anything else.
        n = key.public_numbers()
        size = (key.curve.key_size + 7) // 8
        d["x"] = b64(n.x.to_bytes(size, "big"))
        d["y"] = b64(n.y.to_bytes(size, "big"))
    d["kid"] = kid
    d.update(extra)
    return d


def hs256(header, claims, secret):
    """HS256 by hand: PyJWT refuses (rightly) to use a PEM as an HMAC key,
    which is exactly the forgery the key-confusion case needs."""
    h = b64(json.dumps(header, separators=(",", ":")).encode())
    p = b64(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(secret, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64(mac)}"


def flip(tok, part):
    """Change one character in the middle of segment part (0..2)."""
    segs = tok.split(".")
    s = segs[part]
    i = len(s) // 2
    segs[part] = s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1:]
    return ".".join(segs)


def main():
    out = sys.argv[1]
    now = int(sys.argv[2]) if len(sys.argv) > 2 else 1700000000
    rsa1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ghost = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    enc1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ec1 = ec.generate_private_key(ec.SECP256R1())
    ec2 = ec.generate_private_key(ec.SECP256R1())
    secret = os.urandom(32).hex().encode()

    jwks = {"keys": [jwk_of(rsa1.public_key(), "rsa1", use="sig", alg="RS256"),
                     jwk_of(ec1.public_key(), "ec1"),
                     jwk_of(enc1.public_key(), "enc1", use="enc")]}
    with open(os.path.join(out, "jwks.json"), "w") as f:
        json.dump(jwks, f, indent=1)
    with open(os.path.join(out, "secret"), "wb") as f:
        f.write(secret + b"\n")

    off = jwk_of(ec1.public_key(), "ec1")
    y = bytearray(base64.urlsafe_b64decode(off["y"] + "=="))
    y[-1] ^= 1
    off["y"] = b64(bytes(y))
    bad = {
        "weak": {"keys": [jwk_of(weak.public_key(), "weak")]},
        "offcurve": {"keys": [off]},
        "dupkid": {"keys": [jwk_of(rsa1.public_key(), "k"),
                            jwk_of(ec1.public_key(), "k")]},
        "nokid": {"keys": [{k: v for k, v in jwk_of(ec1.public_key(), "x")
                            .items() if k != "kid"}]},
        "nosig": {"keys": [jwk_of(enc1.public_key(), "enc1", use="enc")]},
        "padded": {"keys": [dict(jwk_of(ec1.public_key(), "ec1"),
                                 x=jwk_of(ec1.public_key(), "e")["x"] + "=")]},
    }
    for name, doc in bad.items():
        with open(os.path.join(out, f"jwks_{name}.json"), "w") as f:
            json.dump(doc, f)

    base = {"iss": ISS, "aud": AUD, "sub": "user-1", "iat": now - 10,
            "nbf": now - 10, "exp": now + 3600, "scope": "read write"}

    def claims(**kw):
        c = dict(base)
        for k, v in kw.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        return c

    def rs(c, kid="rsa1", key=rsa1):
        return jwt.encode(c, key, algorithm="RS256",
                          headers={"kid": kid} if kid else None)

    def es(c, kid="ec1", key=ec1):
        return jwt.encode(c, key, algorithm="ES256", headers={"kid": kid})

    def hs(c, key=secret):
        return jwt.encode(c, key, algorithm="HS256")

    pem = rsa1.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    valid = rs(base)
    h, p, s = valid.split(".")
    other = b64(json.dumps(claims(sub="admin")).encode())
    es_valid = es(base)
    eh, ep, esig = es_valid.split(".")
    r_s = base64.urlsafe_b64decode(esig + "==")
    from cryptography.hazmat.primitives.asymmetric.utils import \
        encode_dss_signature
    der = encode_dss_signature(int.from_bytes(r_s[:32], "big"),
                               int.from_bytes(r_s[32:], "big"))

    t = {
        "rs256": valid,
        "es256": es_valid,
        "hs256": hs(base),
        "expired": rs(claims(exp=now - 1)),
        "exp_now": rs(claims(exp=now)),
        "nbf_future": rs(claims(nbf=now + 60)),
        "iat_future": rs(claims(iat=now + 60)),
        "no_exp": rs(claims(exp=None)),
        "exp_string": rs(claims(exp=str(now + 3600))),
        "no_nbf_iat": rs(claims(nbf=None, iat=None)),
        "wrong_aud": rs(claims(aud="other")),
        "aud_array": rs(claims(aud=["other", AUD])),
        "aud_array_wrong": rs(claims(aud=["x", "y"])),
        "client_id": rs(claims(aud=None, client_id=AUD)),
        "client_id_bad_aud": rs(claims(aud="other", client_id=AUD)),
        "no_aud": rs(claims(aud=None)),
        "wrong_iss": rs(claims(iss="https://evil.example.com")),
        "no_iss": rs(claims(iss=None)),
        "unknown_kid": rs(base, kid="ghost", key=ghost),
        "enc_kid": rs(base, kid="enc1", key=enc1),
        "no_kid": rs(base, kid=None),
        "wrong_key_same_kid": rs(base, kid="rsa1", key=ghost),
        "es256_wrong_key": es(base, key=ec2),
        "es256_der": f"{eh}.{ep}.{b64(der)}",
        "alg_none": jwt.encode(base, None, algorithm="none",
                               headers={"kid": "rsa1"}),
        "tampered_sig": flip(valid, 2),
        "tampered_payload": f"{h}.{other}.{s}",
        "es256_tampered": flip(es_valid, 2),
        "key_confusion": hs256({"alg": "HS256", "typ": "JWT", "kid": "rsa1"},
                               base, pem),
        "alg_mismatch": jwt.encode(base, ec1, algorithm="ES256",
                                   headers={"kid": "rsa1"}),
        "hs256_wrong_secret": hs(base, key=os.urandom(32).hex().encode()),
        "rs384": jwt.encode(base, rsa1, algorithm="RS384",
                            headers={"kid": "rsa1"}),
        "scp_array": es(claims(scope=None, scp=["admin", "read"])),
        "scp_string": rs(claims(scope=None, scp="admin audit")),
        "no_scope": rs(claims(scope=None)),
        "rich": rs(dict(base, nickname=None, email_verified=True,
                        groups=["admin", "users"], ratio=0.5,
                        address={"country": "FR"})),
        "padded": valid + "=",
    }
    with open(os.path.join(out, "tokens.json"), "w") as f:
        json.dump({"now": now, "issuer": ISS, "audience": AUD, "tokens": t},
                  f, indent=1)


if __name__ == "__main__":
    main()
