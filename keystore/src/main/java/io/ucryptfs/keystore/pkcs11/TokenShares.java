package io.ucryptfs.keystore.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_DATA;

import io.ucryptfs.core.keys.Secrets;
import io.ucryptfs.keystore.recovery.RecoveryException;
import io.ucryptfs.keystore.recovery.RecoveryShare;
import io.ucryptfs.keystore.recovery.SetId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xipki.pkcs11.wrapper.AttributeVector;

/**
 * Recovery shares on tokens, one per card: a share is a private data object on the token
 * (CKO_DATA, CKA_TOKEN and CKA_PRIVATE true, CKA_MODIFIABLE false, CKA_APPLICATION {@value
 * #APPLICATION}, CKA_LABEL {@code "ucryptfs recovery share <set id> <index>"}) whose CKA_VALUE is
 * {@link RecoveryShare#encoded()}, 45 bytes. Being private, it shows only after a login: writing
 * and reading both need the PIN ({@link TokenSession#login}); writing needs a read-write session
 * ({@link TokenSession#openReadWrite}).
 */
public final class TokenShares {
    /** CKA_APPLICATION of every share object. */
    public static final String APPLICATION = "ucryptfs recovery share";

    /** A share object on a token: its label and handle. */
    public record ShareObject(String label, long handle) {
    }

    private TokenShares() {
    }

    /** The label of {@code share}'s object. */
    public static String label(RecoveryShare share) {
        return label(share.setId(), share.index());
    }

    static String label(SetId set, int index) {
        return APPLICATION + " " + set + " " + index;
    }

    /** Writes {@code share} to the session's token, as a private token object; returns its handle. */
    public static ShareObject write(TokenSession session, RecoveryShare share) throws TokenException {
        requireLogin(session, "writing a recovery share");
        String label = label(share);
        byte[] value = share.encoded();
        AttributeVector template = new AttributeVector().class_(CKO_DATA).token(true).private_(true)
                .modifiable(false).application(APPLICATION).label(label).value(value);
        try {
            long handle = session.call("writing " + label, s -> s.createObject(template));
            return new ShareObject(label, handle);
        } finally {
            Secrets.wipe(value);
            template.value(new byte[value.length]); // the template's copy
        }
    }

    /** Destroys a share object (a half-written set being undone, or a share retired). */
    public static void delete(TokenSession session, ShareObject object) throws TokenException {
        session.call("deleting " + object.label(), s -> {
            s.destroyObject(object.handle());
            return null;
        });
    }

    /** The ucryptfs share objects on the session's token (after login), in the token's order. */
    public static List<ShareObject> list(TokenSession session) throws TokenException {
        requireLogin(session, "listing recovery shares");
        return find(session, new AttributeVector().class_(CKO_DATA).application(APPLICATION));
    }

    /**
     * The shares on the session's token (after login) that {@code uri} names: the object labelled
     * by its {@code object=}, when given; else every ucryptfs share on the token, of set {@code set}
     * when given. None is an error ({@link KeyNotFoundException}) that says what the token holds.
     *
     * @throws RecoveryException an object's value is not a share, or not the one its label says
     */
    public static List<RecoveryShare> read(TokenSession session, Pkcs11Uri uri, Optional<SetId> set)
            throws TokenException, RecoveryException {
        requireLogin(session, "reading recovery shares");
        List<ShareObject> objects;
        if (uri.object().isPresent()) {
            objects = find(session, new AttributeVector().class_(CKO_DATA).label(uri.object().get()));
            if (objects.isEmpty()) {
                throw new KeyNotFoundException("no data object \"" + uri.object().get() + "\" on token "
                        + session.tokenLabel() + describe(list(session)));
            }
        } else {
            List<ShareObject> all = list(session);
            String prefix = set.map(id -> APPLICATION + " " + id + " ").orElse(APPLICATION + " ");
            objects = all.stream().filter(o -> o.label().startsWith(prefix)).toList();
            if (objects.isEmpty()) {
                throw new KeyNotFoundException("no ucryptfs recovery share" + set.map(id -> " of set " + id).orElse("")
                        + " on token " + session.tokenLabel() + describe(all));
            }
        }
        List<RecoveryShare> out = new ArrayList<>();
        for (ShareObject o : objects) {
            out.add(readValue(session, o));
        }
        return out;
    }

    private static RecoveryShare readValue(TokenSession session, ShareObject o) throws TokenException, RecoveryException {
        byte[] value = session.call("reading " + o.label(), s -> s.getAttrValues(o.handle(), CKA_VALUE).value());
        RecoveryShare share;
        try {
            if (value == null) {
                throw new RecoveryException("no value");
            }
            share = RecoveryShare.decode(value);
        } catch (RecoveryException e) {
            throw new RecoveryException("object \"" + o.label() + "\" on token " + session.tokenLabel()
                    + " is not a readable recovery share: " + e.getMessage(), e);
        } finally {
            if (value != null) {
                Secrets.wipe(value);
            }
        }
        if (o.label().startsWith(APPLICATION + " ") && !o.label().equals(label(share))) {
            share.destroy();
            throw new RecoveryException("object \"" + o.label() + "\" on token " + session.tokenLabel()
                    + " is damaged: it holds share " + share.index() + " of set " + share.setId());
        }
        return share;
    }

    private static List<ShareObject> find(TokenSession session, AttributeVector template) throws TokenException {
        long[] handles = session.call("finding recovery shares", s -> s.findAllObjectsSingle(template));
        List<ShareObject> out = new ArrayList<>();
        for (long h : handles) {
            String label = session.call("reading a share's label", s -> s.getAttrValues(h, CKA_LABEL).label());
            out.add(new ShareObject(label == null ? "" : label, h));
        }
        return out;
    }

    private static String describe(List<ShareObject> all) {
        if (all.isEmpty()) {
            return " (it holds no ucryptfs recovery share)";
        }
        return " (it holds: " + String.join(", ", all.stream().map(ShareObject::label).toList()) + ")";
    }

    private static void requireLogin(TokenSession session, String what) throws TokenException {
        if (!session.loggedIn()) {
            throw new TokenException(what + " on token " + session.tokenLabel()
                    + " needs a login: share objects are private");
        }
    }
}
