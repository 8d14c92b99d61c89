--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: orleansquery; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleansquery (
    querykey character varying(64) NOT NULL,
    querytext text NOT NULL
);


--
-- Name: pyficalls; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pyficalls (
    serviceid character varying(150) NOT NULL,
    id uuid NOT NULL,
    socket character varying(200) NOT NULL,
    state character varying(16) NOT NULL,
    attempt integer NOT NULL,
    leaseuntil timestamp with time zone,
    idemkey character varying(200),
    workflow uuid,
    created timestamp with time zone NOT NULL,
    finished timestamp with time zone,
    version integer NOT NULL,
    payload text NOT NULL
);


--
-- Name: pyfigrainstate; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pyfigrainstate (
    serviceid character varying(150) NOT NULL,
    graintypestring character varying(512) NOT NULL,
    grainidextensionstring character varying(512) NOT NULL,
    grainidn0 bigint NOT NULL,
    grainidn1 bigint NOT NULL,
    payloadbinary bytea,
    modifiedon timestamp with time zone NOT NULL,
    version integer NOT NULL
);


--
-- Name: pyfimembership; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pyfimembership (
    deploymentid character varying(150) NOT NULL,
    address character varying(45) NOT NULL,
    port integer NOT NULL,
    generation integer NOT NULL,
    siloname character varying(150) NOT NULL,
    hostname character varying(150) NOT NULL,
    status integer NOT NULL,
    proxyport integer,
    suspecttimes character varying(8000),
    starttime timestamp with time zone NOT NULL,
    iamalivetime timestamp with time zone NOT NULL
);


--
-- Name: pyfimembershipversion; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pyfimembershipversion (
    deploymentid character varying(150) NOT NULL,
    "timestamp" timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 0 NOT NULL
);


--
-- Name: pyfireminders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pyfireminders (
    serviceid character varying(150) NOT NULL,
    grainid character varying(512) NOT NULL,
    remindername character varying(150) NOT NULL,
    starttime timestamp with time zone NOT NULL,
    period bigint NOT NULL,
    grainhash integer NOT NULL,
    version integer NOT NULL
);


--
-- Data for Name: orleansquery; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.orleansquery VALUES ('InsertMembershipVersionKey', '
WITH inserted AS (
    INSERT INTO PyfiMembershipVersion (DeploymentId) VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1)
SELECT count(*) FROM inserted;
');
INSERT INTO public.orleansquery VALUES ('InsertMembershipKey', '
UPDATE PyfiMembershipVersion SET Timestamp = Timestamp WHERE DeploymentId = @DeploymentId;
WITH inserted AS (
    INSERT INTO PyfiMembership
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    WHERE EXISTS (SELECT 1 FROM PyfiMembershipVersion WHERE DeploymentId = @DeploymentId AND Version = @Version)
    ON CONFLICT DO NOTHING
    RETURNING DeploymentId),
bumped AS (
    UPDATE PyfiMembershipVersion SET Version = Version + 1, Timestamp = now()
    WHERE DeploymentId = @DeploymentId AND Version = @Version AND EXISTS (SELECT 1 FROM inserted)
    RETURNING 1)
SELECT count(*) FROM bumped;
');
INSERT INTO public.orleansquery VALUES ('UpdateMembershipKey', '
UPDATE PyfiMembershipVersion SET Timestamp = Timestamp WHERE DeploymentId = @DeploymentId;
WITH updated AS (
    UPDATE PyfiMembership
    SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation
      AND EXISTS (SELECT 1 FROM PyfiMembershipVersion WHERE DeploymentId = @DeploymentId AND Version = @Version)
    RETURNING 1),
bumped AS (
    UPDATE PyfiMembershipVersion SET Version = Version + 1, Timestamp = now()
    WHERE DeploymentId = @DeploymentId AND Version = @Version AND EXISTS (SELECT 1 FROM updated)
    RETURNING 1)
SELECT count(*) FROM bumped;
');
INSERT INTO public.orleansquery VALUES ('UpdateIAmAlivetimeKey', '
UPDATE PyfiMembership SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;
');
INSERT INTO public.orleansquery VALUES ('MembershipReadRowKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM PyfiMembershipVersion v
LEFT OUTER JOIN PyfiMembership m
    ON v.DeploymentId = m.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;
');
INSERT INTO public.orleansquery VALUES ('MembershipReadAllKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM PyfiMembershipVersion v
LEFT OUTER JOIN PyfiMembership m ON v.DeploymentId = m.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
');
INSERT INTO public.orleansquery VALUES ('DeleteMembershipTableEntriesKey', '
DELETE FROM PyfiMembership WHERE DeploymentId = @DeploymentId;
DELETE FROM PyfiMembershipVersion WHERE DeploymentId = @DeploymentId;
');
INSERT INTO public.orleansquery VALUES ('GatewaysQueryKey', '
SELECT Address, ProxyPort, Generation
FROM PyfiMembership
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
');
INSERT INTO public.orleansquery VALUES ('CleanupDefunctSiloEntriesKey', '
DELETE FROM PyfiMembership
WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status <> 3;
');
INSERT INTO public.orleansquery VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM PyfiGrainState
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1;
');
INSERT INTO public.orleansquery VALUES ('WriteToStorageKey', '
UPDATE PyfiGrainState
SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
INSERT INTO PyfiGrainState
    (ServiceId, GrainTypeString, GrainIdExtensionString, GrainIdN0, GrainIdN1, PayloadBinary, ModifiedOn, Version)
SELECT @ServiceId, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''''), @GrainIdN0, @GrainIdN1,
       @PayloadBinary, now(), 1
WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
RETURNING Version AS NewGrainStateVersion;
');
INSERT INTO public.orleansquery VALUES ('ClearStorageKey', '
UPDATE PyfiGrainState
SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
');
INSERT INTO public.orleansquery VALUES ('DeleteStorageKey', '
DELETE FROM PyfiGrainState
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;
');
INSERT INTO public.orleansquery VALUES ('UpsertReminderRowKey', '
INSERT INTO PyfiReminders (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE SET
    StartTime = excluded.StartTime, Period = excluded.Period, GrainHash = excluded.GrainHash,
    Version = PyfiReminders.Version + 1
RETURNING Version;
');
INSERT INTO public.orleansquery VALUES ('ReadReminderRowsKey', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM PyfiReminders
WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
');
INSERT INTO public.orleansquery VALUES ('ReadReminderRowKey', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM PyfiReminders
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
');
INSERT INTO public.orleansquery VALUES ('ReadRangeRows1Key', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM PyfiReminders
WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
');
INSERT INTO public.orleansquery VALUES ('ReadRangeRows2Key', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM PyfiReminders
WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
');
INSERT INTO public.orleansquery VALUES ('DeleteReminderRowKey', '
WITH deleted AS (
    DELETE FROM PyfiReminders
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version
    RETURNING 1)
SELECT count(*) FROM deleted;
');
INSERT INTO public.orleansquery VALUES ('DeleteReminderRowsKey', '
DELETE FROM PyfiReminders WHERE ServiceId = @ServiceId;
');


--
-- Data for Name: pyficalls; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.pyficalls VALUES ('pyfi', 'f1174f4f-35ad-4aab-85a8-1f03b73c078b', 'fx.greet', 'Succeeded', 1, NULL, NULL, NULL, '2026-12-01 22:40:53.17008+00', '2026-12-01 22:40:53.472777+00', 3, '{"id":"f1174f4f-35ad-4aab-85a8-1f03b73c078b","socket":"fx.greet","processor":"fx.proc","function":"greet","args":"[\u0022migrated\u0022]","state":"succeeded","attempts":1,"result":"\u0022hello migrated\u0022","output":"","commit":"371ffce32f5883b10e4c69185bf5bf1cb5133579","worker":"vm:15185/10480","created":"2026-12-01T22:40:53.1700802+00:00","started":"2026-12-01T22:40:53.3535678+00:00","finished":"2026-12-01T22:40:53.4727779+00:00","owner":"127.0.0.1:15185@155169630","history":[]}');
INSERT INTO public.pyficalls VALUES ('pyfi', '0f8cfb30-5ee0-4f02-b0de-30adb449a58f', 'fx.double', 'Succeeded', 1, NULL, NULL, NULL, '2026-12-01 22:40:51.642415+00', '2026-12-01 22:40:54.198184+00', 3, '{"id":"0f8cfb30-5ee0-4f02-b0de-30adb449a58f","socket":"fx.double","processor":"fx.proc","function":"double","args":"[21]","state":"succeeded","attempts":1,"result":"42","output":"","commit":"371ffce32f5883b10e4c69185bf5bf1cb5133579","worker":"vm:15185/10659","created":"2026-12-01T22:40:51.6424155+00:00","started":"2026-12-01T22:40:53.6512547+00:00","finished":"2026-12-01T22:40:54.198184+00:00","owner":"127.0.0.1:15185@155169630","history":[]}');
INSERT INTO public.pyficalls VALUES ('pyfi', 'efea3f56-dbf7-4ab0-b922-399ef8ec2330', 'fx.boom', 'Failed', 1, NULL, NULL, NULL, '2026-12-01 22:40:55.026203+00', '2026-12-01 22:40:55.162418+00', 3, '{"id":"efea3f56-dbf7-4ab0-b922-399ef8ec2330","socket":"fx.boom","processor":"fx.proc","function":"boom","args":"[]","state":"failed","attempts":1,"error":{"type":"ValueError","message":"boom","traceback":"Traceback (most recent call last):\n  File \u0022/tmp/pyfi-fixture.Fa253Q/postgres/code/157cded4742f0168/371ffce32f5883b10e4c69185bf5bf1cb5133579/fixture_tasks.py\u0022, line 10, in boom\n    raise ValueError(\u0022boom\u0022)\nValueError: boom\n"},"output":"","commit":"371ffce32f5883b10e4c69185bf5bf1cb5133579","worker":"vm:15185/10659","created":"2026-12-01T22:40:55.026203+00:00","started":"2026-12-01T22:40:55.155366+00:00","finished":"2026-12-01T22:40:55.1624187+00:00","owner":"127.0.0.1:15185@155169630","history":[],"retry":{"maxAttempts":1,"initialBackoff":"00:00:01","multiplier":2,"maxBackoff":"00:01:00","jitter":0.2,"nonRetryable":[]}}');
INSERT INTO public.pyficalls VALUES ('pyfi', '87de0ae4-c699-4b9c-8811-4778e4c5d313', 'fx.double', 'Succeeded', 1, NULL, 'fixture-key', NULL, '2026-12-01 22:40:56.725788+00', '2026-12-01 22:40:56.760993+00', 2, '{"id":"87de0ae4-c699-4b9c-8811-4778e4c5d313","socket":"fx.double","processor":"fx.proc","function":"double","args":"[5]","state":"succeeded","attempts":1,"result":"10","output":"","commit":"371ffce32f5883b10e4c69185bf5bf1cb5133579","worker":"vm:15185/10659","created":"2026-12-01T22:40:56.7257885+00:00","started":"2026-12-01T22:40:56.7508543+00:00","finished":"2026-12-01T22:40:56.7609939+00:00","key":"fixture-key","owner":"127.0.0.1:15185@155169630","history":[]}');
INSERT INTO public.pyficalls VALUES ('pyfi', '76d59ff3-3a54-4015-80fc-cf4122fa9800', 'fx.double', 'Succeeded', 1, NULL, 'flow:42428ef7cb4e4a65aef14def00a6abad:0', '42428ef7-cb4e-4a65-aef1-4def00a6abad', '2026-12-01 22:40:58.033397+00', '2026-12-01 22:40:58.044113+00', 2, '{"id":"76d59ff3-3a54-4015-80fc-cf4122fa9800","socket":"fx.double","processor":"fx.proc","function":"double","args":"[1]","state":"succeeded","attempts":1,"result":"2","output":"","commit":"371ffce32f5883b10e4c69185bf5bf1cb5133579","worker":"vm:15185/10659","created":"2026-12-01T22:40:58.0333975+00:00","started":"2026-12-01T22:40:58.0435258+00:00","finished":"2026-12-01T22:40:58.0441136+00:00","workflow":"42428ef7-cb4e-4a65-aef1-4def00a6abad","key":"flow:42428ef7cb4e4a65aef14def00a6abad:0","owner":"127.0.0.1:15185@155169630","history":[]}');
INSERT INTO public.pyficalls VALUES ('pyfi', 'b9a91432-491a-4eef-9c36-953aad85d3c8', 'fx.double', 'Succeeded', 1, NULL, 'flow:42428ef7cb4e4a65aef14def00a6abad:1', '42428ef7-cb4e-4a65-aef1-4def00a6abad', '2026-12-01 22:40:58.57657+00', '2026-12-01 22:40:58.62178+00', 3, '{"id":"b9a91432-491a-4eef-9c36-953aad85d3c8","socket":"fx.double","processor":"fx.proc","function":"double","args":"[2]","state":"succeeded","attempts":1,"result":"4","output":"","commit":"371ffce32f5883b10e4c69185bf5bf1cb5133579","worker":"vm:15185/10659","created":"2026-12-01T22:40:58.5765701+00:00","started":"2026-12-01T22:40:58.604244+00:00","finished":"2026-12-01T22:40:58.62178+00:00","parent":"76d59ff3-3a54-4015-80fc-cf4122fa9800","workflow":"42428ef7-cb4e-4a65-aef1-4def00a6abad","key":"flow:42428ef7cb4e4a65aef14def00a6abad:1","owner":"127.0.0.1:15185@155169630","history":[]}');
INSERT INTO public.pyficalls VALUES ('pyfi', '2252112a-27ac-43d2-8034-2f6124784091', 'fx.double', 'Succeeded', 1, NULL, 'flow:42428ef7cb4e4a65aef14def00a6abad:2', '42428ef7-cb4e-4a65-aef1-4def00a6abad', '2026-12-01 22:40:58.660861+00', '2026-12-01 22:40:58.670166+00', 2, '{"id":"2252112a-27ac-43d2-8034-2f6124784091","socket":"fx.double","processor":"fx.proc","function":"double","args":"[4]","state":"succeeded","attempts":1,"result":"8","output":"","commit":"371ffce32f5883b10e4c69185bf5bf1cb5133579","worker":"vm:15185/10659","created":"2026-12-01T22:40:58.6608618+00:00","started":"2026-12-01T22:40:58.6696178+00:00","finished":"2026-12-01T22:40:58.6701666+00:00","parent":"b9a91432-491a-4eef-9c36-953aad85d3c8","workflow":"42428ef7-cb4e-4a65-aef1-4def00a6abad","key":"flow:42428ef7cb4e4a65aef14def00a6abad:2","owner":"127.0.0.1:15185@155169630","history":[]}');
INSERT INTO public.pyficalls VALUES ('pyfi', 'c870cd23-7f5b-4959-a851-5ba9a67c77ae', 'fx.double', 'Succeeded', 1, NULL, 'flow:4a99d28acbd44bd4a97e89b37b505153:0', '4a99d28a-cbd4-4bd4-a97e-89b37b505153', '2026-12-01 22:40:59.949532+00', '2026-12-01 22:41:00.022557+00', 3, '{"id":"c870cd23-7f5b-4959-a851-5ba9a67c77ae","socket":"fx.double","processor":"fx.proc","function":"double","args":"[2]","state":"succeeded","attempts":1,"result":"4","output":"","commit":"371ffce32f5883b10e4c69185bf5bf1cb5133579","worker":"vm:15185/10659","created":"2026-12-01T22:40:59.949532+00:00","started":"2026-12-01T22:40:59.9873359+00:00","finished":"2026-12-01T22:41:00.0225577+00:00","workflow":"4a99d28a-cbd4-4bd4-a97e-89b37b505153","key":"flow:4a99d28acbd44bd4a97e89b37b505153:0","owner":"127.0.0.1:15185@155169630","history":[]}');
INSERT INTO public.pyficalls VALUES ('pyfi', '4a40120c-068c-4010-8c37-fd20f0693735', 'fx.greet', 'Succeeded', 1, NULL, 'flow:4a99d28acbd44bd4a97e89b37b505153:1', '4a99d28a-cbd4-4bd4-a97e-89b37b505153', '2026-12-01 22:40:59.94998+00', '2026-12-01 22:41:00.022588+00', 3, '{"id":"4a40120c-068c-4010-8c37-fd20f0693735","socket":"fx.greet","processor":"fx.proc","function":"greet","args":"[\u0022flow\u0022]","state":"succeeded","attempts":1,"result":"\u0022hello flow\u0022","output":"","commit":"371ffce32f5883b10e4c69185bf5bf1cb5133579","worker":"vm:15185/10480","created":"2026-12-01T22:40:59.9499806+00:00","started":"2026-12-01T22:40:59.9880067+00:00","finished":"2026-12-01T22:41:00.0225881+00:00","workflow":"4a99d28a-cbd4-4bd4-a97e-89b37b505153","key":"flow:4a99d28acbd44bd4a97e89b37b505153:1","owner":"127.0.0.1:15185@155169630","history":[]}');


--
-- Data for Name: pyfigrainstate; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.pyfigrainstate VALUES ('pyfi', 'queue', 'fx.queue', 0, 0, '\x7b22446566696e6974696f6e223a7b2253706563223a7b224e616d65223a2266782e7175657565222c2254797065223a22446972656374222c2244757261626c65223a747275657d2c225374616d70223a7b225265766973696f6e223a312c2243726561746564223a22323032362d31322d30315432323a34303a34342e393730303232342b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a34342e393730303232342b30303a3030227d7d7d', '2026-12-01 22:40:45.379879+00', 1);
INSERT INTO public.pyfigrainstate VALUES ('pyfi', 'socket', 'fx.double', 0, 0, '\x7b22446566696e6974696f6e223a7b2253706563223a7b224e616d65223a2266782e646f75626c65222c225175657565223a2266782e7175657565222c2250726f636573736f72223a2266782e70726f63222c2246756e6374696f6e223a22646f75626c65222c22436f6e63757272656e6379223a322c225265747279223a7b224d6178417474656d707473223a332c22496e697469616c4261636b6f6666223a2230303a30303a3031222c224d756c7469706c696572223a322c224d61784261636b6f6666223a2230303a30313a3030222c224a6974746572223a302e322c224e6f6e526574727961626c65223a5b5d7d2c224d6178517565756564223a3130303030307d2c225374616d70223a7b225265766973696f6e223a332c2243726561746564223a22323032362d31322d30315432323a34303a34372e373835363531322b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a34372e373835363531322b30303a3030227d7d7d', '2026-12-01 22:40:47.972266+00', 1);
INSERT INTO public.pyfigrainstate VALUES ('pyfi', 'processor', 'fx.proc', 0, 0, '\x7b22446566696e6974696f6e223a7b2253706563223a7b224e616d65223a2266782e70726f63222c225265706f7369746f7279223a222f746d702f707966692d666978747572652e4661323533512f7265706f222c224d6f64756c65223a22666978747572655f7461736b73222c22456e61626c6564223a747275652c22526571756573746564537461747573223a225265616479222c22486f737473223a5b5d7d2c225374616d70223a7b225265766973696f6e223a322c2243726561746564223a22323032362d31322d30315432323a34303a34362e313131393739322b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a34362e313131393739322b30303a3030227d7d2c224465706c6f796d656e74223a7b2250726f636573736f72223a2266782e70726f63222c225265706f7369746f7279223a222f746d702f707966692d666978747572652e4661323533512f7265706f222c224d6f64756c65223a22666978747572655f7461736b73222c22436f6d6d6974223a2233373166666365333266353838336231306534633639313835626635626631636235313333353739222c22537461747573223a225265616479222c225265766973696f6e223a322c22486f737473223a5b5d2c22486f73744c697374223a22222c2249735265616479223a747275657d7d', '2026-12-01 22:40:48.881183+00', 2);
INSERT INTO public.pyfigrainstate VALUES ('pyfi', 'socket', 'fx.greet', 0, 0, '\x7b22446566696e6974696f6e223a7b2253706563223a7b224e616d65223a2266782e6772656574222c225175657565223a2266782e7175657565222c2250726f636573736f72223a2266782e70726f63222c2246756e6374696f6e223a226772656574222c22436f6e63757272656e6379223a322c225265747279223a7b224d6178417474656d707473223a332c22496e697469616c4261636b6f6666223a2230303a30303a3031222c224d756c7469706c696572223a322c224d61784261636b6f6666223a2230303a30313a3030222c224a6974746572223a302e322c224e6f6e526574727961626c65223a5b5d7d2c224d6178517565756564223a3130303030307d2c225374616d70223a7b225265766973696f6e223a342c2243726561746564223a22323032362d31322d30315432323a34303a34392e323836353539342b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a34392e323836353539342b30303a3030227d7d7d', '2026-12-01 22:40:49.296233+00', 1);
INSERT INTO public.pyfigrainstate VALUES ('pyfi', 'registry', 'default', 0, 0, '\x7b225265766973696f6e223a352c22517565756573223a7b2266782e7175657565223a7b2253706563223a7b224e616d65223a2266782e7175657565222c2254797065223a22446972656374222c2244757261626c65223a747275657d2c225374616d70223a7b225265766973696f6e223a312c2243726561746564223a22323032362d31322d30315432323a34303a34342e393730303232342b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a34342e393730303232342b30303a3030227d7d7d2c2250726f636573736f7273223a7b2266782e70726f63223a7b2253706563223a7b224e616d65223a2266782e70726f63222c225265706f7369746f7279223a222f746d702f707966692d666978747572652e4661323533512f7265706f222c224d6f64756c65223a22666978747572655f7461736b73222c22456e61626c6564223a747275652c22526571756573746564537461747573223a225265616479222c22486f737473223a5b5d7d2c225374616d70223a7b225265766973696f6e223a322c2243726561746564223a22323032362d31322d30315432323a34303a34362e313131393739322b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a34362e313131393739322b30303a3030227d7d7d2c22536f636b657473223a7b2266782e646f75626c65223a7b2253706563223a7b224e616d65223a2266782e646f75626c65222c225175657565223a2266782e7175657565222c2250726f636573736f72223a2266782e70726f63222c2246756e6374696f6e223a22646f75626c65222c22436f6e63757272656e6379223a322c225265747279223a7b224d6178417474656d707473223a332c22496e697469616c4261636b6f6666223a2230303a30303a3031222c224d756c7469706c696572223a322c224d61784261636b6f6666223a2230303a30313a3030222c224a6974746572223a302e322c224e6f6e526574727961626c65223a5b5d7d2c224d6178517565756564223a3130303030307d2c225374616d70223a7b225265766973696f6e223a332c2243726561746564223a22323032362d31322d30315432323a34303a34372e373835363531322b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a34372e373835363531322b30303a3030227d7d2c2266782e6772656574223a7b2253706563223a7b224e616d65223a2266782e6772656574222c225175657565223a2266782e7175657565222c2250726f636573736f72223a2266782e70726f63222c2246756e6374696f6e223a226772656574222c22436f6e63757272656e6379223a322c225265747279223a7b224d6178417474656d707473223a332c22496e697469616c4261636b6f6666223a2230303a30303a3031222c224d756c7469706c696572223a322c224d61784261636b6f6666223a2230303a30313a3030222c224a6974746572223a302e322c224e6f6e526574727961626c65223a5b5d7d2c224d6178517565756564223a3130303030307d2c225374616d70223a7b225265766973696f6e223a342c2243726561746564223a22323032362d31322d30315432323a34303a34392e323836353539342b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a34392e323836353539342b30303a3030227d7d2c2266782e626f6f6d223a7b2253706563223a7b224e616d65223a2266782e626f6f6d222c225175657565223a2266782e7175657565222c2250726f636573736f72223a2266782e70726f63222c2246756e6374696f6e223a22626f6f6d222c22436f6e63757272656e6379223a322c225265747279223a7b224d6178417474656d707473223a332c22496e697469616c4261636b6f6666223a2230303a30303a3031222c224d756c7469706c696572223a322c224d61784261636b6f6666223a2230303a30313a3030222c224a6974746572223a302e322c224e6f6e526574727961626c65223a5b5d7d2c224d6178517565756564223a3130303030307d2c225374616d70223a7b225265766973696f6e223a352c2243726561746564223a22323032362d31322d30315432323a34303a35302e313337393235352b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a35302e313337393235352b30303a3030227d7d7d2c22556e73796e636564223a5b22736f636b65743a66782e626f6f6d225d7d', '2026-12-01 22:40:50.138617+00', 5);
INSERT INTO public.pyfigrainstate VALUES ('pyfi', 'socket', 'fx.boom', 0, 0, '\x7b22446566696e6974696f6e223a7b2253706563223a7b224e616d65223a2266782e626f6f6d222c225175657565223a2266782e7175657565222c2250726f636573736f72223a2266782e70726f63222c2246756e6374696f6e223a22626f6f6d222c22436f6e63757272656e6379223a322c225265747279223a7b224d6178417474656d707473223a332c22496e697469616c4261636b6f6666223a2230303a30303a3031222c224d756c7469706c696572223a322c224d61784261636b6f6666223a2230303a30313a3030222c224a6974746572223a302e322c224e6f6e526574727961626c65223a5b5d7d2c224d6178517565756564223a3130303030307d2c225374616d70223a7b225265766973696f6e223a352c2243726561746564223a22323032362d31322d30315432323a34303a35302e313337393235352b30303a3030222c2255706461746564223a22323032362d31322d30315432323a34303a35302e313337393235352b30303a3030227d7d7d', '2026-12-01 22:40:50.180552+00', 1);
INSERT INTO public.pyfigrainstate VALUES ('pyfi', 'workflow', '', 5360914468433989367, -5932465561185422930, '\x7b224772617068223a7b224b696e64223a22506970656c696e65222c2241726773223a225b5d222c225374657073223a5b7b224b696e64223a2243616c6c222c22536f636b6574223a2266782e646f75626c65222c2241726773223a225b315d222c225374657073223a5b5d7d2c7b224b696e64223a2243616c6c222c22536f636b6574223a2266782e646f75626c65222c2241726773223a225b5d222c225374657073223a5b5d7d2c7b224b696e64223a2243616c6c222c22536f636b6574223a2266782e646f75626c65222c2241726773223a225b5d222c225374657073223a5b5d7d5d7d2c2243726561746564223a22323032362d31322d30315432323a34303a35372e373132343830342b30303a3030222c225374617465223a22537563636565646564222c22456e646564223a22323032362d31322d30315432323a34303a35382e363932333430332b30303a3030222c22526573756c74223a2238227d', '2026-12-01 22:40:58.718392+00', 2);
INSERT INTO public.pyfigrainstate VALUES ('pyfi', 'workflow', '', 5464216360552354442, 6003668270484913833, '\x7b224772617068223a7b224b696e64223a22506172616c6c656c222c2241726773223a225b5d222c225374657073223a5b7b224b696e64223a2243616c6c222c22536f636b6574223a2266782e646f75626c65222c2241726773223a225b325d222c225374657073223a5b5d7d2c7b224b696e64223a2243616c6c222c22536f636b6574223a2266782e6772656574222c2241726773223a225b5c7530303232666c6f775c75303032325d222c225374657073223a5b5d7d5d7d2c2243726561746564223a22323032362d31322d30315432323a34303a35392e383431393038352b30303a3030222c225374617465223a22537563636565646564222c22456e646564223a22323032362d31322d30315432323a34313a30302e303737373330362b30303a3030222c22526573756c74223a225b342c5c753030323268656c6c6f20666c6f775c75303032325d227d', '2026-12-01 22:41:00.081528+00', 2);


--
-- Data for Name: pyfimembership; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.pyfimembership VALUES ('pyfi', '127.0.0.1', 15185, 155169630, 'Silo_293ec', 'vm', 6, 15389, '127.0.0.1:15185@155169630,2026-12-01 22:41:08.177 GMT', '2026-12-01 22:40:30.782678+00', '2026-12-01 22:41:08.177688+00');


--
-- Data for Name: pyfimembershipversion; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.pyfimembershipversion VALUES ('pyfi', '2026-12-01 22:41:08.179248+00', 4);


--
-- Data for Name: pyfireminders; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.pyfireminders VALUES ('pyfi', 'callsweeper/0', 'sweep', '2026-12-01 22:41:43.080509+00', 60000, -1638464592, 0);


--
-- Name: orleansquery pk_orleansquery; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleansquery
    ADD CONSTRAINT pk_orleansquery PRIMARY KEY (querykey);


--
-- Name: pyficalls pk_pyficalls; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pyficalls
    ADD CONSTRAINT pk_pyficalls PRIMARY KEY (serviceid, id);


--
-- Name: pyfigrainstate pk_pyfigrainstate; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pyfigrainstate
    ADD CONSTRAINT pk_pyfigrainstate PRIMARY KEY (serviceid, graintypestring, grainidextensionstring, grainidn0, grainidn1);


--
-- Name: pyfimembership pk_pyfimembership; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pyfimembership
    ADD CONSTRAINT pk_pyfimembership PRIMARY KEY (deploymentid, address, port, generation);


--
-- Name: pyfimembershipversion pk_pyfimembershipversion; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pyfimembershipversion
    ADD CONSTRAINT pk_pyfimembershipversion PRIMARY KEY (deploymentid);


--
-- Name: pyfireminders pk_pyfireminders; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pyfireminders
    ADD CONSTRAINT pk_pyfireminders PRIMARY KEY (serviceid, grainid, remindername);


--
-- Name: ix_pyficalls_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_pyficalls_created ON public.pyficalls USING btree (serviceid, created);


--
-- Name: ix_pyficalls_finished; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_pyficalls_finished ON public.pyficalls USING btree (serviceid, finished) WHERE (finished IS NOT NULL);


--
-- Name: ix_pyficalls_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_pyficalls_open ON public.pyficalls USING btree (serviceid, state) WHERE ((state)::text = ANY ((ARRAY['Queued'::character varying, 'Running'::character varying])::text[]));


--
-- Name: ix_pyficalls_socket_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_pyficalls_socket_state ON public.pyficalls USING btree (serviceid, socket, state);


--
-- Name: ix_pyficalls_workflow; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_pyficalls_workflow ON public.pyficalls USING btree (serviceid, workflow) WHERE (workflow IS NOT NULL);


--
-- Name: ix_pyfireminders_grainhash; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_pyfireminders_grainhash ON public.pyfireminders USING btree (serviceid, grainhash);


--
-- Name: ux_pyficalls_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ux_pyficalls_key ON public.pyficalls USING btree (serviceid, socket, idemkey) WHERE (idemkey IS NOT NULL);


--
-- Name: pyfimembership fk_pyfimembership_version; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pyfimembership
    ADD CONSTRAINT fk_pyfimembership_version FOREIGN KEY (deploymentid) REFERENCES public.pyfimembershipversion(deploymentid);


--
-- PostgreSQL database dump complete
--


