package io.ucryptfs.cli;

import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.pkcs11.TokenException;
import io.ucryptfs.keystore.pkcs11.TokenModule;
import io.ucryptfs.keystore.pkcs11.TokenSession;
import io.ucryptfs.keystore.pkcs11.TokenShares;
import io.ucryptfs.keystore.pkcs11.WrongPinException;
import io.ucryptfs.keystore.recovery.RecoveryCheck;
import io.ucryptfs.keystore.recovery.RecoveryException;
import io.ucryptfs.keystore.recovery.RecoveryShare;
import io.ucryptfs.keystore.recovery.SetId;
import io.ucryptfs.keystore.vault.VaultConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Recovery shares on tokens from the command line, one share per token ({@link TokenShares}): written
 * by {@code protector add recovery --token URI ...}, read by {@code recover --token URI ...} (and the
 * protector commands, with several {@code --token} or {@code --token} beside {@code --share}). Each
 * token is logged in once with its own PIN ({@link VaultAccess.TokenOptions#pin(int, Pkcs11Uri)}).
 */
final class RecoveryTokens {
    private RecoveryTokens() {
    }

    /**
     * The shares on the tokens of {@code tokens}, as text for {@code RecoveryCredential}: every
     * ucryptfs share on each token, of the vault's recovery set when it has one recovery protector,
     * or the one the URI's {@code object=} names.
     */
    static List<String> read(VaultAccess.TokenOptions tokens, VaultConfig c) throws UserError {
        Optional<SetId> set = recoverySet(c);
        List<Pkcs11Uri> uris = tokens.uris();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < uris.size(); i++) {
            Pkcs11Uri uri = uris.get(i);
            try (TokenSession s = TokenSession.open(TokenModule.load(uri), uri)) {
                s.login(tokens.pin(i, uri));
                try {
                    for (RecoveryShare share : TokenShares.read(s, uri, set)) {
                        out.add(share.printed());
                        share.destroy();
                    }
                } finally {
                    s.logout();
                }
            } catch (TokenException e) {
                throw failure(e);
            } catch (RecoveryException e) {
                throw new UserError(UserError.FAILURE, e.getMessage(), e);
            } catch (IOException e) {
                throw new UserError(UserError.FAILURE, InitCommand.ioMessage(e), e);
            }
        }
        return out;
    }

    /**
     * Writes share i to token i (as many tokens as shares), each after its login; when one fails,
     * the shares already written are deleted again and nothing is left of the set on any token.
     */
    static void write(VaultAccess.TokenOptions tokens, List<RecoveryShare> shares) throws UserError {
        List<Pkcs11Uri> uris = tokens.uris();
        List<TokenSession> sessions = new ArrayList<>();
        List<TokenShares.ShareObject> written = new ArrayList<>();
        boolean done = false;
        try {
            for (int i = 0; i < uris.size(); i++) {
                TokenSession s = TokenSession.openReadWrite(TokenModule.load(uris.get(i)), uris.get(i));
                sessions.add(s);
                s.login(tokens.pin(i, uris.get(i)));
            }
            for (int i = 0; i < uris.size(); i++) {
                written.add(TokenShares.write(sessions.get(i), shares.get(i)));
                System.err.println("ucryptfs: wrote share " + shares.get(i).index() + " of " + shares.size()
                        + " to token " + sessions.get(i).tokenLabel() + " (\"" + written.get(i).label() + "\")");
            }
            done = true;
        } catch (TokenException e) {
            throw failure(e);
        } catch (IOException e) {
            throw new UserError(UserError.FAILURE, InitCommand.ioMessage(e), e);
        } finally {
            if (!done) {
                for (int i = 0; i < written.size(); i++) {
                    try {
                        TokenShares.delete(sessions.get(i), written.get(i));
                    } catch (TokenException e) {
                        System.err.println("ucryptfs: could not delete \"" + written.get(i).label() + "\" from token "
                                + sessions.get(i).tokenLabel() + " again: " + e.getMessage());
                    }
                }
            }
            for (TokenSession s : sessions) {
                s.logout();
                s.close();
            }
        }
    }

    /** The set id of the vault's one recovery protector, or empty (none, several, or unreadable). */
    private static Optional<SetId> recoverySet(VaultConfig c) {
        List<SetId> sets = new ArrayList<>();
        for (VaultConfig.Section s : c.protectors()) {
            if (s.get(RecoveryCheck.SET).isPresent()) {
                try {
                    sets.add(RecoveryCheck.fromEntries(s.entries()).setId());
                } catch (RecoveryException e) {
                    return Optional.empty(); // the protector says it is damaged when opened
                }
            }
        }
        return sets.size() == 1 ? Optional.of(sets.get(0)) : Optional.empty();
    }

    /** A token failure: a wrong PIN exits 2 (never asked again), the rest 1. */
    private static UserError failure(TokenException e) {
        return new UserError(e instanceof WrongPinException ? UserError.WRONG_KEY : UserError.FAILURE, e.getMessage(), e);
    }
}
