package io.ucryptfs.core.keys;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The key identifier ("signature") of an RSA key, as ecryptfs-utils' PKI key modules compute it
 * ({@code ecryptfs_pkcs11h_get_key_sig} in {@code ecryptfs_key_mod_pkcs11_helper.c}, and the same in
 * the openssl and tspi modules); the kernel only copies it into tag 1 packets and finds the key by it.
 * It is the OpenPGP (RFC 4880 12.2) version 4 fingerprint of the key with creation time 0 and
 * algorithm 2 (RSA encrypt-only), cut to 8 bytes:
 *
 * <pre>
 * data = 0x99 ‖ len(2) ‖ 0x04 ‖ 00 00 00 00 ‖ 0x02 ‖ bits(n)(2) ‖ n ‖ bits(e)(2) ‖ e
 *        len = 10 + bytes(n) + bytes(e); n and e big endian without leading zeros
 * sig  = hex(SHA-1(data)[0..8])
 * </pre>
 */
public final class RsaKeySig {
    private RsaKeySig() {}

    public static String of(RSAPublicKey key) {
        return of(key.getModulus(), key.getPublicExponent());
    }

    public static String of(BigInteger modulus, BigInteger exponent) {
        byte[] n = magnitude(modulus);
        byte[] e = magnitude(exponent);
        int len = 10 + n.length + e.length;
        ByteArrayOutputStream data = new ByteArrayOutputStream(3 + len);
        data.write(0x99);
        data.write(len >> 8);
        data.write(len);
        data.write(0x04); // version 4
        data.writeBytes(new byte[4]); // creation time 0
        data.write(0x02); // RSA encrypt-only
        mpi(data, modulus.bitLength(), n);
        mpi(data, exponent.bitLength(), e);
        try {
            byte[] hash = MessageDigest.getInstance("SHA-1").digest(data.toByteArray());
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("no SHA-1 in this JDK", ex);
        }
    }

    private static void mpi(ByteArrayOutputStream out, int bits, byte[] value) {
        out.write(bits >> 8);
        out.write(bits);
        out.writeBytes(value);
    }

    /** Big-endian bytes without the sign byte BigInteger adds (OpenSSL's BN_bn2bin). */
    private static byte[] magnitude(BigInteger v) {
        if (v.signum() <= 0) {
            throw new IllegalArgumentException("an RSA modulus and exponent are positive");
        }
        byte[] b = v.toByteArray();
        return b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }
}
