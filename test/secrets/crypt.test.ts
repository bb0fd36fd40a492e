// crypt(3) hashes recomputed (MD5-crypt, apr1, SHA-256/512-crypt): the vectors of Drepper's
// specification and hashes made by openssl passwd and glibc's crypt for these tests.
import { describe, expect, it } from "vitest";
import { cryptMatches, isEmptyPasswordHash } from "../../src/secrets/crypt.js";

describe("cryptMatches", () => {
  it("recomputes the specification's SHA-crypt vectors", () => {
    expect(cryptMatches("$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "Hello world!")).toBe(true);
    expect(cryptMatches("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", "Hello world!")).toBe(true);
    expect(cryptMatches("$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA", "Hello world!")).toBe(true);
    expect(cryptMatches("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", "hello world!")).toBe(false);
  });

  it("recomputes MD5-crypt and apr1 (openssl passwd)", () => {
    expect(cryptMatches("$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1", "Hello world!")).toBe(true);
    expect(cryptMatches("$apr1$saltstri$aGfuB7Lcvs2TUeFTqUVfN0", "Hello world!")).toBe(true);
    expect(cryptMatches("$apr1$saltstri$aGfuB7Lcvs2TUeFTqUVfN0", "Hello world")).toBe(false);
  });

  it("tells the hash of the empty password from another; other schemes stay undecided", () => {
    expect(isEmptyPasswordHash("$1$Ab.cd/ef$4IyZZigg7aicw0yEyev7g.")).toBe(true);
    expect(isEmptyPasswordHash("$5$Ab.cd/ef$FwNKihaDSysHOp1N.7bQe5J0WNNEgbbRxBXRIAP2W19")).toBe(true);
    expect(isEmptyPasswordHash("$6$rounds=10000$Ab.cd/ef$KoiOJ4b5KqxVJs3vx7OkJ4Rxpn5EA1DD1EarmkTe1C3j.vhu2E/boUI8.tagLJiKbDC8AdHeCwaq0gUjxCcaS/")).toBe(true);
    expect(isEmptyPasswordHash("$6$Qm4.tVz8Lp1wRx2K$B.ltJMbxCsf6FQ1bTICWMxoQeZWxunn/GXKq3xCcLmwuhjun6M6Z.xkblkv99ZSEC0HRTJB43ay0eavGyN1Ar1")).toBe(false);
    expect(cryptMatches("$y$j9T$Nb1KVJ2Eu7ZaGkxDWRHrD/$nDtonEpKjk.bkYXDWDzbbs9o7ElEmTcrXIncFHaarc/", "")).toBeUndefined();
  });
});
