// One copy, in util: the daemon's heartbeat reports the version too.
export { packageVersion } from '../util/package-version.js';
