// Test vectors for CronJob schedules, carried over as facts from the projects that define them:
//   github.com/robfig/cron v3.0.1 (the parser Kubernetes' CronJob controller and validation call,
//     cron.ParseStandard): parser_test.go (TestParseScheduleErrors, TestParseSchedule,
//     TestStandardSpecSchedule, TestRange through a five-field schedule), spec_test.go
//     (TestActivation, TestNext, TestErrors, TestSlash0NoHang, TestNextWithTz)
//   github.com/kubernetes/kubernetes v1.36.3: pkg/apis/batch/validation/validation_test.go
//     (TestValidateCronJob, TestValidateScheduleFormatPanicRecovery) and
//     pkg/controller/cronjob/utils_test.go (TestMostRecentScheduleTime)
// A schedule without a time zone is read in UTC: the controller reads it in its process's local
// zone, which is UTC in the usual kube-controller-manager image; robfig's tests use the test
// machine's zone for the same vectors, which is UTC on their CI. Times are ISO 8601.

/** Schedules ParseStandard accepts or refuses. */
export const PARSE: { spec: string; valid: boolean; source: string }[] = [
  { spec: '5 * * * *', valid: true, source: 'robfig TestStandardSpecSchedule' },
  { spec: '@every 5m', valid: true, source: 'robfig TestStandardSpecSchedule' },
  { spec: '5 j * * *', valid: false, source: 'robfig TestStandardSpecSchedule' },
  { spec: '* * * *', valid: false, source: 'robfig TestStandardSpecSchedule' },
  { spec: 'CRON_TZ=UTC  5 * * * *', valid: true, source: 'robfig TestParseSchedule' },
  { spec: '@midnight', valid: true, source: 'robfig TestParseSchedule' },
  { spec: 'TZ=UTC  @midnight', valid: true, source: 'robfig TestParseSchedule' },
  { spec: 'TZ=Asia/Tokyo @midnight', valid: true, source: 'robfig TestParseSchedule' },
  { spec: '@yearly', valid: true, source: 'robfig TestParseSchedule' },
  { spec: '@annually', valid: true, source: 'robfig TestParseSchedule' },
  { spec: '@every Xm', valid: false, source: 'robfig TestParseScheduleErrors' },
  { spec: '@unrecognized', valid: false, source: 'robfig TestParseScheduleErrors' },
  { spec: '', valid: false, source: 'robfig TestParseScheduleErrors' },
  { spec: 'xyz', valid: false, source: 'robfig TestErrors' },
  { spec: '60 0 * * *', valid: false, source: 'robfig TestErrors' },
  { spec: '0 60 * * *', valid: false, source: 'robfig TestErrors' },
  { spec: '0 0 * * XYZ', valid: false, source: 'robfig TestErrors' },
  { spec: 'TZ=America/New_York 15/0 * * * *', valid: false, source: 'robfig TestSlash0NoHang' },
  // TestRange, each expression placed in the day-of-week field (bounds 0-6) or minute field.
  { spec: '0 0 * * 5-6/2', valid: true, source: 'robfig TestRange' },
  { spec: '0 0 * * 5--5', valid: false, source: 'robfig TestRange (too many hyphens)' },
  { spec: '0 0 * jan-x *', valid: false, source: 'robfig TestRange (failed to parse int)' },
  { spec: '0 0 * * 2-x', valid: false, source: 'robfig TestRange (failed to parse int)' },
  { spec: '*/-12 * * * *', valid: false, source: 'robfig TestRange (negative number)' },
  { spec: '*//2 * * * *', valid: false, source: 'robfig TestRange (too many slashes)' },
  { spec: '0 0 * * 7', valid: false, source: 'robfig TestRange (above maximum: day-of-week is 0-6)' },
  { spec: '0 0 0 * *', valid: false, source: 'robfig TestRange (below minimum: day-of-month is 1-31)' },
  { spec: '0 0 * * 5-3', valid: false, source: 'robfig TestRange (beyond end of range)' },
  { spec: '*/0 * * * *', valid: false, source: 'robfig TestRange (step must be positive)' },
  // Kubernetes validation
  { spec: '* * * * ?', valid: true, source: 'k8s TestValidateCronJob basic scheduled job' },
  { spec: '@hourly', valid: true, source: 'k8s TestValidateCronJob non-standard scheduled' },
  { spec: 'error', valid: false, source: 'k8s TestValidateCronJob spec.schedule: Invalid value' },
  { spec: 'TZ=0', valid: false, source: 'k8s TestValidateScheduleFormatPanicRecovery' },
  { spec: 'TZ=', valid: false, source: 'k8s TestValidateScheduleFormatPanicRecovery' },
  { spec: 'CRON_TZ=UTC', valid: false, source: 'k8s TestValidateScheduleFormatPanicRecovery' },
  { spec: 'TZ=Invalid/Timezone', valid: false, source: 'k8s TestValidateScheduleFormatPanicRecovery' },
];

/** Whether a schedule fires at an instant (robfig TestActivation: Next(t - 1s) == t). */
export const ACTIVATION: { time: string; spec: string; fires: boolean }[] = [
  { time: '2012-07-09T15:00:00Z', spec: '0/15 * * * *', fires: true },
  { time: '2012-07-09T15:45:00Z', spec: '0/15 * * * *', fires: true },
  { time: '2012-07-09T15:40:00Z', spec: '0/15 * * * *', fires: false },
  { time: '2012-07-09T15:05:00Z', spec: '5/15 * * * *', fires: true },
  { time: '2012-07-09T15:20:00Z', spec: '5/15 * * * *', fires: true },
  { time: '2012-07-09T15:50:00Z', spec: '5/15 * * * *', fires: true },
  { time: '2012-07-15T15:00:00Z', spec: '0/15 * * Jul *', fires: true },
  { time: '2012-07-15T15:00:00Z', spec: '0/15 * * Jun *', fires: false },
  { time: '2012-07-15T08:30:00Z', spec: '30 08 ? Jul Sun', fires: true },
  { time: '2012-07-15T08:30:00Z', spec: '30 08 15 Jul ?', fires: true },
  { time: '2012-07-16T08:30:00Z', spec: '30 08 ? Jul Sun', fires: false },
  { time: '2012-07-16T08:30:00Z', spec: '30 08 15 Jul ?', fires: false },
  { time: '2012-07-09T15:00:00Z', spec: '@hourly', fires: true },
  { time: '2012-07-09T15:04:00Z', spec: '@hourly', fires: false },
  { time: '2012-07-09T15:00:00Z', spec: '@daily', fires: false },
  { time: '2012-07-09T00:00:00Z', spec: '@daily', fires: true },
  { time: '2012-07-09T00:00:00Z', spec: '@weekly', fires: false },
  { time: '2012-07-08T00:00:00Z', spec: '@weekly', fires: true },
  { time: '2012-07-08T01:00:00Z', spec: '@weekly', fires: false },
  { time: '2012-07-08T00:00:00Z', spec: '@monthly', fires: false },
  { time: '2012-07-01T00:00:00Z', spec: '@monthly', fires: true },
  { time: '2012-07-15T00:00:00Z', spec: '* * 1,15 * Sun', fires: true },
  { time: '2012-06-15T00:00:00Z', spec: '* * 1,15 * Sun', fires: true },
  { time: '2012-08-01T00:00:00Z', spec: '* * 1,15 * Sun', fires: true },
  { time: '2012-07-15T00:00:00Z', spec: '* * */10 * Sun', fires: true },
  { time: '2012-07-15T00:00:00Z', spec: '* * * * Mon', fires: false },
  { time: '2012-07-09T00:00:00Z', spec: '* * 1,15 * *', fires: false },
  { time: '2012-07-15T00:00:00Z', spec: '* * 1,15 * *', fires: true },
  { time: '2012-07-15T00:00:00Z', spec: '* * */2 * Sun', fires: true },
];

/**
 * The next fire time strictly after `from` (robfig TestNext, TestNextWithTz). robfig's TestNext
 * uses a parser with a seconds field; its vectors whose seconds field is 0 are written here in
 * the five-field form Kubernetes uses. `zone` is the time zone the schedule is read in
 * (spec.timeZone), where robfig's vector carries it on the time. `null`: never.
 * Not carried over: the vectors with a non-zero seconds field ("15/35 ..."), which a CronJob
 * schedule cannot express. TestNextWithTz reads the schedule in the fixed +05:30 zone of its
 * times; Asia/Kolkata has that offset all year and stands in for it.
 */
export const NEXT: { from: string; spec: string; zone?: string; expected: string | null }[] = [
  { from: '2012-07-09T14:45:00Z', spec: '0/15 * * * *', expected: '2012-07-09T15:00:00Z' },
  { from: '2012-07-09T14:59:00Z', spec: '0/15 * * * *', expected: '2012-07-09T15:00:00Z' },
  { from: '2012-07-09T14:59:59Z', spec: '0/15 * * * *', expected: '2012-07-09T15:00:00Z' },
  { from: '2012-07-09T15:45:00Z', spec: '20-35/15 * * * *', expected: '2012-07-09T16:20:00Z' },
  { from: '2012-07-09T23:46:00Z', spec: '*/15 * * * *', expected: '2012-07-10T00:00:00Z' },
  { from: '2012-07-09T23:45:00Z', spec: '20-35/15 * * * *', expected: '2012-07-10T00:20:00Z' },
  { from: '2012-07-09T23:35:00Z', spec: '0 0 9 Apr-Oct ?', expected: '2012-08-09T00:00:00Z' },
  { from: '2012-07-09T23:35:00Z', spec: '0 0 */5 Apr,Aug,Oct Mon', expected: '2012-08-01T00:00:00Z' },
  { from: '2012-07-09T23:35:00Z', spec: '0 0 */5 Oct Mon', expected: '2012-10-01T00:00:00Z' },
  { from: '2012-07-09T23:35:00Z', spec: '0 0 * Feb Mon', expected: '2013-02-04T00:00:00Z' },
  { from: '2012-07-09T23:35:00Z', spec: '0 0 * Feb Mon/2', expected: '2013-02-01T00:00:00Z' },
  { from: '2012-12-31T23:59:45Z', spec: '* * * * *', expected: '2013-01-01T00:00:00Z' },
  { from: '2012-07-09T23:35:00Z', spec: '0 0 29 Feb ?', expected: '2016-02-29T00:00:00Z' },
  // Daylight saving time: 2am EST (-5) -> 3am EDT (-4)
  {
    from: '2012-03-11T00:00:00-05:00',
    spec: 'TZ=America/New_York 30 2 11 Mar ?',
    expected: '2013-03-11T02:30:00-04:00',
  },
  {
    from: '2012-03-11T00:00:00-05:00',
    spec: 'TZ=America/New_York 0 * * * ?',
    expected: '2012-03-11T01:00:00-05:00',
  },
  {
    from: '2012-03-11T01:00:00-05:00',
    spec: 'TZ=America/New_York 0 * * * ?',
    expected: '2012-03-11T03:00:00-04:00',
  },
  {
    from: '2012-03-11T03:00:00-04:00',
    spec: 'TZ=America/New_York 0 * * * ?',
    expected: '2012-03-11T04:00:00-04:00',
  },
  {
    from: '2012-03-11T04:00:00-04:00',
    spec: 'TZ=America/New_York 0 * * * ?',
    expected: '2012-03-11T05:00:00-04:00',
  },
  {
    from: '2012-03-11T00:00:00-05:00',
    spec: 'CRON_TZ=America/New_York 0 * * * ?',
    expected: '2012-03-11T01:00:00-05:00',
  },
  {
    from: '2012-03-11T01:00:00-05:00',
    spec: 'CRON_TZ=America/New_York 0 * * * ?',
    expected: '2012-03-11T03:00:00-04:00',
  },
  {
    from: '2012-03-11T03:00:00-04:00',
    spec: 'CRON_TZ=America/New_York 0 * * * ?',
    expected: '2012-03-11T04:00:00-04:00',
  },
  {
    from: '2012-03-11T04:00:00-04:00',
    spec: 'CRON_TZ=America/New_York 0 * * * ?',
    expected: '2012-03-11T05:00:00-04:00',
  },
  {
    from: '2012-03-11T00:00:00-05:00',
    spec: 'TZ=America/New_York 0 1 * * ?',
    expected: '2012-03-11T01:00:00-05:00',
  },
  {
    from: '2012-03-11T01:00:00-05:00',
    spec: 'TZ=America/New_York 0 1 * * ?',
    expected: '2012-03-12T01:00:00-04:00',
  },
  // The 2am nightly run is skipped on the day 2am does not exist.
  {
    from: '2012-03-11T00:00:00-05:00',
    spec: 'TZ=America/New_York 0 2 * * ?',
    expected: '2012-03-12T02:00:00-04:00',
  },
  // Daylight saving time: 2am EDT (-4) -> 1am EST (-5)
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: 'TZ=America/New_York 30 2 04 Nov ?',
    expected: '2012-11-04T02:30:00-05:00',
  },
  {
    from: '2012-11-04T01:45:00-04:00',
    spec: 'TZ=America/New_York 30 1 04 Nov ?',
    expected: '2012-11-04T01:30:00-05:00',
  },
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: 'TZ=America/New_York 0 * * * ?',
    expected: '2012-11-04T01:00:00-04:00',
  },
  {
    from: '2012-11-04T01:00:00-04:00',
    spec: 'TZ=America/New_York 0 * * * ?',
    expected: '2012-11-04T01:00:00-05:00',
  },
  {
    from: '2012-11-04T01:00:00-05:00',
    spec: 'TZ=America/New_York 0 * * * ?',
    expected: '2012-11-04T02:00:00-05:00',
  },
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: 'TZ=America/New_York 0 1 * * ?',
    expected: '2012-11-04T01:00:00-04:00',
  },
  {
    from: '2012-11-04T01:00:00-04:00',
    spec: 'TZ=America/New_York 0 1 * * ?',
    expected: '2012-11-04T01:00:00-05:00',
  },
  {
    from: '2012-11-04T01:00:00-05:00',
    spec: 'TZ=America/New_York 0 1 * * ?',
    expected: '2012-11-05T01:00:00-05:00',
  },
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: 'TZ=America/New_York 0 2 * * ?',
    expected: '2012-11-04T02:00:00-05:00',
  },
  {
    from: '2012-11-04T02:00:00-05:00',
    spec: 'TZ=America/New_York 0 2 * * ?',
    expected: '2012-11-05T02:00:00-05:00',
  },
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: 'TZ=America/New_York 0 3 * * ?',
    expected: '2012-11-04T03:00:00-05:00',
  },
  {
    from: '2012-11-04T03:00:00-05:00',
    spec: 'TZ=America/New_York 0 3 * * ?',
    expected: '2012-11-05T03:00:00-05:00',
  },
  // The same, with the zone given as spec.timeZone rather than in the schedule.
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: '0 * * * ?',
    zone: 'America/New_York',
    expected: '2012-11-04T01:00:00-04:00',
  },
  {
    from: '2012-11-04T01:00:00-04:00',
    spec: '0 * * * ?',
    zone: 'America/New_York',
    expected: '2012-11-04T01:00:00-05:00',
  },
  {
    from: '2012-11-04T01:00:00-05:00',
    spec: '0 * * * ?',
    zone: 'America/New_York',
    expected: '2012-11-04T02:00:00-05:00',
  },
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: '0 1 * * ?',
    zone: 'America/New_York',
    expected: '2012-11-04T01:00:00-04:00',
  },
  {
    from: '2012-11-04T01:00:00-04:00',
    spec: '0 1 * * ?',
    zone: 'America/New_York',
    expected: '2012-11-04T01:00:00-05:00',
  },
  {
    from: '2012-11-04T01:00:00-05:00',
    spec: '0 1 * * ?',
    zone: 'America/New_York',
    expected: '2012-11-05T01:00:00-05:00',
  },
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: '0 2 * * ?',
    zone: 'America/New_York',
    expected: '2012-11-04T02:00:00-05:00',
  },
  {
    from: '2012-11-04T02:00:00-05:00',
    spec: '0 2 * * ?',
    zone: 'America/New_York',
    expected: '2012-11-05T02:00:00-05:00',
  },
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: '0 3 * * ?',
    zone: 'America/New_York',
    expected: '2012-11-04T03:00:00-05:00',
  },
  {
    from: '2012-11-04T03:00:00-05:00',
    spec: '0 3 * * ?',
    zone: 'America/New_York',
    expected: '2012-11-05T03:00:00-05:00',
  },
  // Unsatisfiable
  { from: '2012-07-09T23:35:00Z', spec: '0 0 30 Feb ?', expected: null },
  { from: '2012-07-09T23:35:00Z', spec: '0 0 31 Apr ?', expected: null },
  // Monthly
  {
    from: '2012-11-04T00:00:00-04:00',
    spec: '0 3 3 * ?',
    zone: 'America/New_York',
    expected: '2012-12-03T03:00:00-05:00',
  },
  // Midnight that does not exist (robfig issue 157)
  {
    from: '2018-10-17T05:00:00-04:00',
    spec: 'TZ=America/Sao_Paulo 0 9 10 * ?',
    expected: '2018-11-10T06:00:00-05:00',
  },
  {
    from: '2018-02-14T05:00:00-05:00',
    spec: 'TZ=America/Sao_Paulo 0 9 22 * ?',
    expected: '2018-02-22T07:00:00-05:00',
  },
  // TestNextWithTz (see above on the zone)
  {
    from: '2016-01-03T13:09:03+05:30',
    spec: '14 14 * * *',
    zone: 'Asia/Kolkata',
    expected: '2016-01-03T14:14:00+05:30',
  },
  {
    from: '2016-01-03T04:09:03+05:30',
    spec: '14 14 * * ?',
    zone: 'Asia/Kolkata',
    expected: '2016-01-03T14:14:00+05:30',
  },
  {
    from: '2016-01-03T14:09:03+05:30',
    spec: '14 14 * * *',
    zone: 'Asia/Kolkata',
    expected: '2016-01-03T14:14:00+05:30',
  },
  {
    from: '2016-01-03T14:00:00+05:30',
    spec: '14 14 * * ?',
    zone: 'Asia/Kolkata',
    expected: '2016-01-03T14:14:00+05:30',
  },
  // @every: a constant delay from the given time, on whole seconds
  { from: '2012-07-09T14:45:00.500Z', spec: '@every 5m', expected: '2012-07-09T14:50:00Z' },
];

/**
 * The most recent scheduled time after `earliest` (lastScheduleTime, else creationTimestamp) and
 * at or before `now` (k8s TestMostRecentScheduleTime; its "top of the hour" is
 * 2016-05-19T10:00:00Z). `null`: none is due.
 * `differs`: the controller estimates the number of missed runs from the gap between the first two
 * and can land after the true answer; Portolan computes the exact most recent time, which is what
 * "should a run have happened by now" needs.
 */
export const MOST_RECENT: {
  name: string;
  spec: string;
  earliest: string;
  now: string;
  expected: string | null;
  differs?: { controller: string | null; why: string };
}[] = [
  {
    name: 'now before next schedule',
    spec: '0 * * * *',
    earliest: '2016-05-19T10:00:00Z',
    now: '2016-05-19T10:00:30Z',
    expected: null,
  },
  {
    name: 'now just after next schedule',
    spec: '0 * * * *',
    earliest: '2016-05-19T10:00:00Z',
    now: '2016-05-19T11:01:00Z',
    expected: '2016-05-19T11:00:00Z',
  },
  {
    name: 'missed 5 schedules',
    spec: '0 * * * *',
    earliest: '2016-05-19T10:00:10Z',
    now: '2016-05-19T15:01:00Z',
    expected: '2016-05-19T15:00:00Z',
  },
  {
    name: 'complex schedule',
    spec: '30 6-16/4 * * 1-5',
    earliest: '2016-05-19T10:30:00Z',
    now: '2016-05-20T10:31:00Z',
    expected: '2016-05-20T10:30:00Z',
  },
  {
    name: 'another complex schedule',
    spec: '30 10,11,12 * * 1-5',
    earliest: '2016-05-19T10:30:00Z',
    now: '2016-05-20T16:30:00Z',
    expected: '2016-05-20T12:30:00Z',
    differs: {
      controller: null,
      why: 'the controller steps from an estimate (one run an hour) past Friday 12:30 and finds nothing before now',
    },
  },
  {
    name: 'complex schedule with longer diff between executions',
    spec: '30 6-16/4 * * 1-5',
    earliest: '2016-05-19T10:30:00Z',
    now: '2016-05-23T10:31:00Z',
    expected: '2016-05-23T10:30:00Z',
  },
  {
    name: 'complex schedule with shorter diff between executions',
    spec: '30 6-16/4 * * 1-5',
    earliest: '2016-05-19T10:00:00Z',
    now: '2016-05-20T10:31:00Z',
    expected: '2016-05-20T10:30:00Z',
  },
  {
    name: '@every schedule',
    spec: '@every 1h',
    earliest: '2016-05-19T10:01:00Z',
    now: '2016-05-26T10:00:00Z',
    expected: '2016-05-26T09:01:00Z',
  },
  {
    name: 'rogue cronjob',
    spec: '59 23 31 2 *',
    earliest: '2016-05-19T10:00:10Z',
    now: '2016-05-19T11:00:00Z',
    expected: null,
  },
  {
    name: 'earliestTime being CreationTimestamp and LastScheduleTime',
    spec: '0 * * * *',
    earliest: '2016-05-19T10:00:00Z',
    now: '2016-05-19T10:00:30Z',
    expected: null,
  },
  {
    name: 'earliestTime being LastScheduleTime',
    spec: '*/5 * * * *',
    earliest: '2016-05-19T10:30:00Z',
    now: '2016-05-19T10:31:00Z',
    expected: null,
  },
];
