/**
 * THE parameter registry: every group of every layer, composed once. `morphsim config`, the
 * CLI's --set/--config validation, the JSON summary and report labels all read it.
 */
import { ParamRegistry } from '../core/params.ts';
import { platformParams } from '../isa-guest/params.ts';
import { simParamGroups } from '../sim-microarch/params.ts';
import { cmsParams, runParams, tierParams } from './params.ts';

export const paramRegistry = new ParamRegistry([runParams, cmsParams, tierParams, platformParams, ...simParamGroups]);
