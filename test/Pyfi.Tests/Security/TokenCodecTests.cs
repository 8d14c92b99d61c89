using Pyfi.Grains.Security;

namespace Pyfi.Tests.Security;

/// <summary>What a token is made of and what each role may do (no processes).</summary>
[Trait("Category", "Fast")]
public sealed class TokenCodecTests
{
    [Fact]
    public void AMadeTokenParsesAndMatchesItsRowAndNothingElseDoes()
    {
        var (token, record) = TokenCodec.Create("ci", PyfiRole.Submitter, DateTimeOffset.UnixEpoch, null, "admin");

        Assert.Matches(@"^pyfi\.[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$", token);
        Assert.True(TokenCodec.TryParse(token, out var id, out var secret));
        Assert.Equal(record.Id, id);
        Assert.True(TokenCodec.Matches(record, secret));
        Assert.False(TokenCodec.Matches(record, secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A')));
        Assert.DoesNotContain(secret, Convert.ToBase64String(record.Hash) + Convert.ToBase64String(record.Salt));
        var (_, other) = TokenCodec.Create("ci", PyfiRole.Submitter, DateTimeOffset.UnixEpoch, null, "admin");
        Assert.NotEqual(record.Salt, other.Salt);
        Assert.False(TokenCodec.Matches(other, secret));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("pyfi")]
    [InlineData("pyfi.0123456789ab")]
    [InlineData("pyfi.0123456789ab.")]
    [InlineData("pyfi.0123456789AB.secret")]
    [InlineData("pyfi.0123456789a.secret")]
    [InlineData("bearer pyfi.0123456789ab.secret")]
    public void AnythingNotShapedLikeATokenIsNotParsed(string? text) =>
        Assert.False(TokenCodec.TryParse(text, out _, out _));

    [Fact]
    public void AnOverlongTokenIsNotLookedAt() =>
        Assert.False(TokenCodec.TryParse("pyfi.0123456789ab." + new string('a', TokenCodec.MaxLength), out _, out _));

    [Fact]
    public void EveryRoleReadsAndEachOtherPermissionBelongsToOneRoleAndTheAdmin()
    {
        var expected = new Dictionary<PyfiRole, PyfiPermission[]>
        {
            [PyfiRole.Viewer] = [PyfiPermission.Read],
            [PyfiRole.Submitter] = [PyfiPermission.Read, PyfiPermission.Submit],
            [PyfiRole.Operator] = [PyfiPermission.Read, PyfiPermission.Operate],
            [PyfiRole.Developer] = [PyfiPermission.Read, PyfiPermission.Develop],
            [PyfiRole.Admin] = Enum.GetValues<PyfiPermission>(),
        };

        foreach (var role in Enum.GetValues<PyfiRole>())
        {
            Assert.Equal(expected[role], Enum.GetValues<PyfiPermission>().Where(p => role.Allows(p)).ToArray());
        }
    }
}
