import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { assertNotDuplicate } from '../../config/services.js';
import { SERVICE_DEFAULTS, type ServiceConfig } from '../../config/types.js';
import { methodMessage, normaliseMethod } from '../../config/validate.js';
import { UsageError } from '../../errors.js';
import { applyAlertEdit, serviceAlertEdit } from '../alert-options.js';
import { servicesTable } from '../output/config-tables.js';
import { printLine } from '../output/write.js';
import { applyRequestEdit, requestEdit, warnMissingEnv } from '../request-options.js';
import { configCommandBuilder, editConfig, PICKED_UP } from './config-common.js';
import {
  checkServiceToWrite,
  type ServiceOptionArgs,
  serviceChanges,
  withServiceOptions,
} from './config-services-options.js';

interface AddArgs extends ServiceOptionArgs {
  URL: string;
  METHOD: string;
  'check-regex': boolean;
}

export const configServicesAddCommand: CommandModule<object, AddArgs> = {
  command: 'add <URL> <METHOD>',
  describe: 'Add a service to the configuration.',
  builder: (y) =>
    withServiceOptions(configCommandBuilder(y) as Argv)
      .positional('URL', { type: 'string', describe: 'http:// or https:// URL to request.' })
      .positional('METHOD', { type: 'string', describe: 'GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS.' })
      .option('check-regex', {
        type: 'boolean',
        describe: 'Check the response body against --regex.',
        default: false,
      })
      .example('$0 config services add http://localhost:8000/ GET', '')
      .example(
        '$0 config services add http://localhost:8000/openapi.json GET --regex \'\\{"openapi":"3\\.1\\.0"\' --check-regex',
        '',
      )
      .example(
        `$0 config services add https://api.example.com/v1/ping POST --bearer '\${API_TOKEN}' --body '{}' --content-type application/json --condition '[STATUS] == 200'`,
        '',
      ) as Argv<AddArgs>,
  handler: (args: ArgumentsCamelCase<AddArgs>) => {
    const methodText = String(args.METHOD);
    const method = normaliseMethod(methodText);
    if (!method) throw new UsageError(methodMessage(methodText));
    const alertEdit = serviceAlertEdit(args);
    const requested: ServiceConfig = applyRequestEdit(
      {
        url: String(args.URL),
        method,
        check_regex: args['check-regex'],
        regex: null,
        interval_sec: SERVICE_DEFAULTS.interval_sec,
        timeout: SERVICE_DEFAULTS.timeout,
        ...serviceChanges(args),
      },
      requestEdit(args),
    );
    const service = applyAlertEdit(requested, alertEdit);
    const path = args['config-path'];
    let missing: string[] = [];
    const config = editConfig(path, (c) => {
      missing = checkServiceToWrite(c, service, path);
      assertNotDuplicate(c.services, service);
      c.services.push(service);
    });
    warnMissingEnv(missing);
    if (!args.quiet) printLine(servicesTable(config.services));
    printLine(`Service was successfully added. ${PICKED_UP}`);
  },
};
