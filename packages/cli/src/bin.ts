/** The `fedgrid` command line. Every command but `node init/start` talks to a node's REST API. */
import { auditCommand } from './commands/audit.js';
import { Command } from 'commander';
import {
  loginCommand,
  logoutCommand,
  meCommand,
  roleCommand,
  tokenCommand,
  userCommand,
} from './commands/account.js';
import { componentCommand } from './commands/component.js';
import { contractCommand, partnerCommand } from './commands/contract.js';
import { datasetCommand } from './commands/dataset.js';
import { directoryCommand } from './commands/directory.js';
import { flowCommand } from './commands/flow.js';
import { demoCommand } from './commands/demo.js';
import { grantCommand } from './commands/grant.js';
import { invitationCommand } from './commands/invitation.js';
import { jobCommand } from './commands/job.js';
import { modelCommand } from './commands/model.js';
import { nodeCommand } from './commands/node.js';
import { openapiCommand } from './commands/openapi.js';
import { permissionCommand } from './commands/permission.js';
import { predictCommand } from './commands/predict.js';
import { pirCommand } from './commands/pir.js';
import { projectCommand } from './commands/project.js';
import { relayCommand } from './commands/relay.js';
import { FEDGRID_VERSION } from '@fedgrid/node/client';

const program = new Command('fedgrid')
  .description('FedGrid — federated learning and privacy computing across organisations')
  .version(FEDGRID_VERSION)
  .showHelpAfterError()
  .addCommand(nodeCommand())
  .addCommand(contractCommand())
  .addCommand(datasetCommand())
  .addCommand(grantCommand())
  .addCommand(permissionCommand())
  .addCommand(jobCommand())
  .addCommand(demoCommand())
  .addCommand(openapiCommand());

program.addCommand(projectCommand()).addCommand(flowCommand());
program.addCommand(partnerCommand()).addCommand(directoryCommand()).addCommand(invitationCommand());
program.addCommand(modelCommand()).addCommand(componentCommand());
program.addCommand(predictCommand());
program.addCommand(pirCommand());
program.addCommand(loginCommand()).addCommand(logoutCommand()).addCommand(meCommand());
program.addCommand(userCommand()).addCommand(roleCommand()).addCommand(tokenCommand());
program.addCommand(auditCommand());
program.addCommand(relayCommand());

await program.parseAsync(process.argv);
