using Pyfi.Grains.Code;

namespace Pyfi.Tests.Code;

/// <summary><c>PYFI_REPOS</c>: which repositories processors may come from, whatever way a location is spelled (no processes).</summary>
[Trait("Category", "Fast")]
public sealed class RepositoryPolicyTests
{
    private static readonly RepositoryPolicy Policy = new(RepositoryPolicy.Split("https://github.com/myorg/; /srv/repos, git@gitlab.example.com:team"));

    [Theory]
    [InlineData("https://github.com/myorg/repo.git")]
    [InlineData("https://github.com/myorg/repo")]
    [InlineData("HTTPS://GitHub.com/myorg/repo")]
    [InlineData("https://github.com:443/myorg/repo")]
    [InlineData("https://someone@github.com/myorg/repo")]
    [InlineData("/srv/repos")]
    [InlineData("/srv/repos/a")]
    [InlineData("/srv/repos/a/")]
    [InlineData("/srv//repos/./a")]
    [InlineData("/srv/other/../repos/a")]
    [InlineData("file:///srv/repos/a")]
    [InlineData("file://localhost/srv/repos/a")]
    [InlineData("file:///srv/x/../repos/a")]
    [InlineData("git@gitlab.example.com:team/repo.git")]
    [InlineData("ssh://git@gitlab.example.com/team/repo.git")]
    public void ALocationInsideAnAllowedOneIsAllowed(string repository) => Assert.True(Policy.Allows(repository), repository);

    [Theory]
    [InlineData("https://github.com/myorg-evil/repo")]
    [InlineData("https://github.com/evil/repo")]
    [InlineData("https://github.com/myorg/../evil/repo")]
    [InlineData("https://github.com/myorg/%2e%2e/evil/repo")]
    [InlineData("https://github.com/myorg%2f..%2fevil/repo")]
    [InlineData("https://github.com.evil.com/myorg/repo")]
    [InlineData("https://github.com/myorg@evil.com/repo")]
    [InlineData("https://github.com:8443/myorg/repo")]
    [InlineData("http://github.com/myorg/repo")]
    [InlineData("ssh://git@github.com/myorg/repo")]
    [InlineData("/srv/repos-evil")]
    [InlineData("/srv/repos-evil/a")]
    [InlineData("/srv/repos/../etc")]
    [InlineData("/srv/repos/a/../../etc")]
    [InlineData("file:///srv/repos/../etc")]
    [InlineData("file:///srv/repos/%2e%2e/etc")]
    [InlineData("file://evil.com/srv/repos/a")]
    [InlineData("/srv")]
    [InlineData("relative/repos")]
    [InlineData("git@gitlab.example.com:team-evil/repo.git")]
    [InlineData("git@evil.com:team/repo.git")]
    public void AnyOtherLocationIsNot(string repository) => Assert.False(Policy.Allows(repository), repository);

    [Fact]
    public void NothingListedAllowsAnyRepository()
    {
        var open = new RepositoryPolicy(RepositoryPolicy.Split(""));

        Assert.True(open.AllowsAll);
        Assert.True(open.Allows("https://example.com/anything.git"));
    }

    [Fact]
    public void TheRefusalIsOneLineNamingTheSetting() =>
        Assert.Equal("repository 'https://evil.com/x' is not allowed here (PYFI_REPOS: https://github.com/myorg/, /srv/repos, git@gitlab.example.com:team)",
            Policy.Refusal("https://evil.com/x"));

    [Fact]
    public void ASettingThatIsNotALocationStopsTheSilo() =>
        Assert.Equal("PYFI_REPOS: 'file://elsewhere/srv/repos' is not a repository URL or folder",
            Assert.Throws<InvalidSpecException>(() => new RepositoryPolicy(["file://elsewhere/srv/repos"])).Message);
}
