package io.ucryptfs.keystore.pkcs11;

/**
 * A key object found on a token: its handle in the session that found it, its class (CKO_PRIVATE_KEY,
 * CKO_PUBLIC_KEY, CKO_SECRET_KEY) and label. The handle is valid only in that session's life.
 */
public record TokenKey(long handle, long keyClass, String label) {}
