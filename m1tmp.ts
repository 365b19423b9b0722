import middy from '@middy/core'; import { z } from 'zod'; console.log(typeof middy, typeof z);
